public import BatonState
import Foundation

/// The JSON shape of a run, shared by `baton status --json` and the HTTP API (DESIGN.md §7).
public enum RunJSON {
    /// One run as a JSON string (`{}` for an unknown ID).
    /// - Throws: when the value cannot be serialised (it always can).
    public static func render(_ state: EngineState, runID: String) throws -> String {
        guard let run = state.runs[runID] else { return "{}" }
        return try encode(object(run))
    }

    /// One run as a JSON-serialisable dictionary.
    public static func object(_ run: RunState) -> [String: Any] {
        let tasks: [[String: Any]] = run.tasks.indices.map { index in
            let task = run.tasks[index]
            var entry: [String: Any] = [
                "id": run.graph.names[index], "status": task.status.rawValue,
                "attempts": Int(task.attempt), "platform_run_ids": task.platformRunIDs,
            ]
            if let failure = task.lastFailure { entry["error"] = ["class": failure.errorClass, "message": failure.message] }
            if let skip = task.skipReason { entry["skip_reason"] = skip }
            return entry
        }
        return [
            "run_id": run.id, "workflow": run.workflow.name, "workflow_hash": run.workflowHash,
            "status": run.outcome?.rawValue ?? "running", "trigger": run.trigger, "tasks": tasks,
        ]
    }

    /// A JSON-serialisable value as compact JSON with sorted keys.
    /// - Throws: when `value` holds something JSON cannot.
    public static func encode(_ value: Any) throws -> String { try JSONWriter.string(value) }
}
