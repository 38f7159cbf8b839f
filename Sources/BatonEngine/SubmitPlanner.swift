import BatonModel
import BatonPlatforms
import BatonState
import Foundation

/// Turns a claimed attempt into the request a platform gets: templates rendered with the run's
/// parameters, upstream outputs and secrets. Pure; the secrets are handed in.
enum SubmitPlanner {
    /// The most characters of an output value passed on to templates.
    static let outputValueLengthMax = 4_096

    static func request(_ run: RunState, index: Int, attempt: UInt32, key: String, secrets: [String: String]) throws(TemplateError) -> SubmitRequest {
        let spec = run.spec(of: index)
        var params = run.workflow.params
        params.merge(run.params) { $1 }
        params.merge(spec.params) { $1 }
        if let replica = run.graph.replicaNumbers[index] {
            params.merge(spec.replicas?.params(ofReplica: replica) ?? [:]) { $1 }
        }
        let values = TemplateValues(
            runLogicalDate: isoDate(run.logicalDateMicros), runID: run.id, params: params,
            taskOutputs: outputs(run, referencedBy: spec), secrets: secrets)
        func render(_ template: Template) throws(TemplateError) -> String { try template.render(with: values).value }
        var job: [String: RenderedJob.Value] = [:]
        for (name, value) in spec.job {
            switch value {
            case .text(let template): job[name] = .text(try render(template))
            case .list(let templates): job[name] = .list(try templates.map { (template) throws(TemplateError) in try render(template) })
            case .map(let templates):
                var rendered: [String: String] = [:]
                for (key, template) in templates { rendered[key] = try render(template) }
                job[name] = .map(rendered)
            }
        }
        var environment: [String: String] = [:]
        for (name, template) in spec.environment { environment[name] = try render(template) }
        return SubmitRequest(idempotencyKey: key, runID: run.id, taskID: run.graph.names[index], attempt: attempt,
                             job: RenderedJob(job), environment: environment)
    }

    /// The outputs `spec`'s templates reference, as flat string maps by task name.
    /// - Complexity: O(references), not O(tasks in the run).
    private static func outputs(_ run: RunState, referencedBy spec: TaskSpec) -> [String: [String: String]] {
        var names = Set<String>()
        for template in spec.templates {
            for case .taskOutput(let task, _) in template.references { names.insert(task) }
        }
        var result: [String: [String: String]] = [:]
        for name in names {
            guard let index = run.graph.index(named: name)?.rawValue else { continue }
            let task = run.tasks[index]
            guard task.status == .succeeded, !task.outputJSON.isEmpty else { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(task.outputJSON.utf8)) as? [String: Any] else { continue }
            var flat: [String: String] = [:]
            for (key, value) in object {
                let text = (value as? String) ?? "\(value)"
                flat[key] = String(text.prefix(outputValueLengthMax))
            }
            result[run.graph.names[index]] = flat
        }
        return result
    }

    /// `YYYY-MM-DD` of a µs timestamp, in UTC.
    static func isoDate(_ micros: Int64) -> String { CivilDate.isoDate(epochMicros: micros) }
}
