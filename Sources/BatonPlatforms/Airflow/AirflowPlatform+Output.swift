import Foundation

extension AirflowPlatform {
    /// A succeeded run's output: the XCom `return_value` of its output task (job key
    /// `output_task`, else the run's only task instance). A JSON object is the output as it is;
    /// any other value is `{"result": <value>}`; no return value (404) is no output.
    func output(of run: AirflowRun) async throws(PlatformError) -> PlatformRunStatus.State {
        var task = run.outputTask
        if task == nil {
            let answer = try await call("GET", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)/taskInstances", what: "the tasks of DAG run \(run.runID)")
            let instances = (answer.object?["task_instances"] as? [[String: Any]]) ?? []
            guard instances.count == 1, let only = instances[0]["task_id"] as? String else { return .succeeded(outputJSON: "") }
            task = only
        }
        guard let task else { return .succeeded(outputJSON: "") }
        let answer = try await call("GET", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)/taskInstances/\(task)/xcomEntries/return_value",
                                    what: "the return value of \(task) in DAG run \(run.runID)", accept: [404])
        guard answer.status != 404, let value = answer.object?["value"] else { return .succeeded(outputJSON: "") }
        let object: Any = value is [String: Any] ? value : ["result": value]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return .succeeded(outputJSON: "") }
        guard data.count <= ProcessPlatform.outputBytesMax else {
            return .failed(message: "the return value of \(task) is larger than \(ProcessPlatform.outputBytesMax) bytes")
        }
        return .succeeded(outputJSON: String(decoding: data, as: UTF8.self))
    }

    /// Why a run failed: its failed task instances, or Airflow's word for it.
    func failedTasks(of run: AirflowRun) async -> String {
        guard let answer = try? await call("GET", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)/taskInstances", what: "the tasks of DAG run \(run.runID)")
        else { return "DAG run \(run.runID) of \(run.dagID) failed" }
        let instances = (answer.object?["task_instances"] as? [[String: Any]]) ?? []
        let failed = instances.filter { ["failed", "upstream_failed"].contains($0["state"] as? String ?? "") }
            .compactMap { instance in (instance["task_id"] as? String).map { "\($0) (\(instance["state"] as? String ?? ""))" } }
        return "DAG run \(run.runID) of \(run.dagID) failed" + (failed.isEmpty ? "" : ": \(failed.joined(separator: ", "))")
    }
}
