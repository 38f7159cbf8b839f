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
        let command = try spec.command.map { (template) throws(TemplateError) in try template.render(with: values).value }
        var settings: [String: String] = [:]
        for (name, template) in spec.settings { settings[name] = try template.render(with: values).value }
        var environment: [String: String] = [:]
        for (name, template) in spec.environment { environment[name] = try template.render(with: values).value }
        let outcomes = spec.outcomes
        // Attempts count from 1; the scripted list's last entry holds for every later attempt.
        let outcome = outcomes.isEmpty ? SimOutcome.success : outcomes[min(max(Int(attempt), 1), outcomes.count) - 1]
        return SubmitRequest(
            idempotencyKey: key, runID: run.id, taskID: run.graph.names[index], attempt: attempt,
            command: command, environment: environment, settings: settings,
            simOutcome: outcome == .success ? .success : .failure, simDuration: spec.duration ?? .zero)
    }

    /// The outputs `spec`'s templates reference, as flat string maps by task name.
    /// - Complexity: O(references), not O(tasks in the run).
    private static func outputs(_ run: RunState, referencedBy spec: TaskSpec) -> [String: [String: String]] {
        var names = Set<String>()
        for template in spec.command + Array(spec.settings.values) + Array(spec.environment.values) {
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
