import Foundation

extension DatabricksPlatform {
    /// A succeeded run's output: the notebook exit value (`dbutils.notebook.exit`) of its task, as
    /// the task's output object. A JSON object is the output as it is; any other value is
    /// `{"result": <value>}`; no exit value is no output. `runs/get-output` needs the task's own
    /// run ID (the parent's is refused for runs of several tasks), so the task is picked first:
    /// job key `output_task`, else the run's only task, else the last task that has a run ID.
    func output(of run: Int64, tasks: [[String: Any]], outputTask: String?) async throws(PlatformError) -> PlatformRunStatus.State {
        let taskRunID = Self.outputTask(tasks, named: outputTask).flatMap { Self.int($0["run_id"]) } ?? run
        let answer = try await call("GET", "jobs/runs/get-output", query: [("run_id", String(taskRunID))], what: "runs/get-output of run \(taskRunID)")
        guard let notebook = answer.object?["notebook_output"] as? [String: Any], let result = notebook["result"] as? String else {
            return .succeeded(outputJSON: "")
        }
        return Self.outputState(result, truncated: (notebook["truncated"] as? Bool) ?? false)
    }

    /// The task whose output is the run's.
    static func outputTask(_ tasks: [[String: Any]], named: String?) -> [String: Any]? {
        if let named { return tasks.first { ($0["task_key"] as? String) == named } }
        return tasks.count == 1 ? tasks[0] : tasks.last { $0["run_id"] != nil }
    }

    /// Output text as a task output object, bounded like the process platform's output file.
    static func outputState(_ result: String, truncated: Bool) -> PlatformRunStatus.State {
        if truncated || result.utf8.count > ProcessPlatform.outputBytesMax {
            return .failed(message: "the notebook's exit value is larger than \(ProcessPlatform.outputBytesMax) bytes\(truncated ? " (Databricks truncated it)" : "")")
        }
        if let data = result.data(using: .utf8), (try? JSONSerialization.jsonObject(with: data)) is [String: Any] {
            return .succeeded(outputJSON: result)
        }
        let wrapped = (try? JSONSerialization.data(withJSONObject: ["result": result], options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
        return .succeeded(outputJSON: wrapped ?? "")
    }

    /// The error text of a failed task's own run (`error` of `runs/get-output`), if it can be read.
    func taskError(_ task: [String: Any]) async -> String? {
        guard let id = Self.int(task["run_id"]) else { return nil }
        guard let answer = try? await call("GET", "jobs/runs/get-output", query: [("run_id", String(id))], what: "runs/get-output of run \(id)") else { return nil }
        return (answer.object?["error"] as? String).map { String($0.prefix(500)) }
    }
}
