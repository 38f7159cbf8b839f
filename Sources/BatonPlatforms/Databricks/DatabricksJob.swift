/// What a Databricks task starts: a saved job (`jobs/run-now`) or a one-time notebook run on an
/// existing cluster (`jobs/runs/submit`), from the task's rendered `job:` keys.
enum DatabricksJob: Sendable, Equatable {
    case runNow(jobID: Int64, parameters: [String: String])
    case notebook(path: String, clusterID: String, parameters: [String: String], runName: String?)

    /// The job a rendered `job:` mapping asks for.
    /// - Throws: `PlatformError.invalid` naming the key that is wrong.
    init(_ job: RenderedJob) throws(PlatformError) {
        if let text = job.text("job_id") {
            guard let id = Int64(text.trimmingCharacters(in: .whitespaces)), id > 0 else {
                throw .invalid("job.job_id \"\(text.prefix(40))\" is not a Databricks job ID (a positive integer)")
            }
            self = .runNow(jobID: id, parameters: job.map("job_parameters") ?? [:])
        } else if let path = job.text("notebook_path"), let cluster = job.text("cluster_id") {
            self = .notebook(path: path, clusterID: cluster, parameters: job.map("base_parameters") ?? [:], runName: job.text("run_name"))
        } else {
            throw .invalid("a databricks job needs job.job_id, or job.notebook_path and job.cluster_id")
        }
    }

    /// The request body, carrying the idempotency token.
    func body(token: String, key: String) -> [String: Any] {
        switch self {
        case .runNow(let id, let parameters):
            var body: [String: Any] = ["job_id": id, "idempotency_token": token]
            if !parameters.isEmpty { body["job_parameters"] = parameters }
            return body
        case .notebook(let path, let cluster, let parameters, let runName):
            var notebook: [String: Any] = ["notebook_path": path]
            if !parameters.isEmpty { notebook["base_parameters"] = parameters }
            return ["run_name": runName ?? "baton \(key)", "idempotency_token": token,
                    "tasks": [["task_key": "baton", "existing_cluster_id": cluster, "notebook_task": notebook]]]
        }
    }

    /// The endpoint that starts it.
    var path: String {
        switch self {
        case .runNow: "jobs/run-now"
        case .notebook: "jobs/runs/submit"
        }
    }
}
