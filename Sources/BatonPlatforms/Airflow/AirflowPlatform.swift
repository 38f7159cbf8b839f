import Foundation

/// Airflow 3 (the public REST API v2): a DAG run per attempt under a `dag_run_id` derived from the
/// key, adopted when Airflow answers 409 (it exists); polled with GET, the output task's XCom
/// `return_value` as output, cancelled by marking the run failed. Auth: a JWT from `POST
/// /auth/token` (username and password), fetched again once when refused, or a fixed token. See
/// `Specs/platforms/airflow.md`.
public struct AirflowPlatform: Platform {
    let connection: PlatformConnection
    let base: URL
    let http: HTTPClient
    let auth: BearerSource
    let pacer: RequestPacer
    let notices = NoticeOnce()

    public var capabilities: PlatformCapabilities {
        // Submitting again under the same key adopts the run: the look-up needs the DAG, which only
        // the job knows, so the engine re-submits instead of looking up.
        PlatformCapabilities(canLookUpByKey: false, canCancel: true, deduplicatesByKey: true, pollFloor: .milliseconds(500))
    }

    /// An adapter for `connection` (settings `url`, and `username` + `password` or `token`).
    /// - Throws: `PlatformError.invalid` naming a setting that is missing or malformed.
    public init(_ connection: PlatformConnection) throws(PlatformError) {
        self.connection = connection
        base = try connection.url("url")
        http = HTTPClient(label: connection.label)
        auth = try AirflowAuth.source(connection, base: base, http: http)
        pacer = RequestPacer(perSecond: connection.setting("status_reads_per_second").flatMap(Int.init) ?? 20, clock: connection.clock)
    }

    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        guard let dagID = request.job.text("dag_id"), !dagID.isEmpty else { throw .invalid("an airflow job needs job.dag_id") }
        let run = AirflowRun(dagID: dagID, runID: AirflowRun.dagRunID(request.idempotencyKey), outputTask: request.job.text("output_task"))
        let body: [String: Any] = ["dag_run_id": run.runID, "logical_date": NSNull(), "conf": request.job.map("conf") ?? [:],
                                   "note": "baton \(request.idempotencyKey)"]
        let answer = try await call("POST", "api/v2/dags/\(dagID)/dagRuns", json: body, what: "a run of DAG \(dagID) for \(request.idempotencyKey)",
                                    accept: [409])
        if answer.status == 409 {
            // The run ID is taken: by this key's earlier submission (an answer lost, a process
            // that died after sending it). Adopt it once it is there.
            _ = try await call("GET", "api/v2/dags/\(dagID)/dagRuns/\(run.runID)", what: "DAG run \(run.runID) of \(dagID)")
        }
        return run.platformRunID
    }

    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        nil  // Not called: `canLookUpByKey` is false (the DAG is in the job, not the key).
    }

    public func status(of id: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        let run = try AirflowRun(id)
        try await pacer.turn(connection.label)
        let answer = try await call("GET", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)", what: "DAG run \(run.runID) of \(run.dagID)")
        guard let state = answer.object?["state"] as? String else {
            throw .transient("\(connection.label): DAG run \(run.runID) answered without a state")
        }
        let mapped = AirflowMapping.state(state)
        if !mapped.known {
            await notices.once("state \(state)") {
                connection.notice("\(connection.label): DAG run \(run.runID) is in state \(state), which this version does not know; treated as still running")
            }
        }
        switch mapped.state {
        case .pending:
            await warnIfPaused(run.dagID)
            return PlatformRunStatus(runID: id, state: .pending)
        case .succeeded:
            return PlatformRunStatus(runID: id, state: try await output(of: run))
        case .failed:
            return PlatformRunStatus(runID: id, state: .failed(message: await failedTasks(of: run)))
        case .running, .cancelled:
            return PlatformRunStatus(runID: id, state: mapped.state)
        }
    }

    public func cancel(_ id: PlatformRunID) async throws(PlatformError) {
        // Airflow has no cancel: marking the run failed stops its running task instances.
        let run = try AirflowRun(id)
        _ = try await call("PATCH", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)", json: ["state": "failed"], what: "marking DAG run \(run.runID) failed")
    }

    /// Each task instance's log of its latest try (`.../taskInstances/<task>/logs/<try>`, the
    /// structured lines' events), and the run's page in Airflow's UI.
    public func logs(of id: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        let run = try AirflowRun(id)
        let listed = try await call("GET", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)/taskInstances", what: "the tasks of DAG run \(run.runID)")
        var sections: [String] = []
        for instance in (listed.object?["task_instances"] as? [[String: Any]]) ?? [] {
            guard let task = instance["task_id"] as? String, let tries = instance["try_number"] as? Int, tries > 0 else { continue }
            let answer = try await call("GET", "api/v2/dags/\(run.dagID)/dagRuns/\(run.runID)/taskInstances/\(task)/logs/\(tries)",
                                        query: [("full_content", "true")], what: "the log of \(task)", accept: [404])
            let lines = (answer.object?["content"] as? [Any] ?? []).map(Self.logLine)
            sections.append("── \(task) (try \(tries), \(instance["state"] as? String ?? "?"))\n" + lines.joined(separator: "\n") + "\n")
        }
        let (text, cut) = PlatformLog.tail(sections.joined(), tailBytes)
        return PlatformLog(text: text, link: base.absoluteString + "/dags/\(run.dagID)/runs/\(run.runID)", note: cut ? "the last \(tailBytes) bytes" : nil)
    }

    public func check() async throws(PlatformError) -> String {
        let answer = try await call("GET", "api/v2/dags", query: [("limit", "100")], what: "the DAG list")
        let dags = (answer.object?["dags"] as? [[String: Any]]) ?? []
        let paused = dags.filter { ($0["is_paused"] as? Bool) == true }.compactMap { $0["dag_id"] as? String }.sorted()
        let total = (answer.object?["total_entries"] as? Int) ?? dags.count
        return "\(HTTPClient.origin(base)) accepted the credentials: \(total) DAGs"
            + (paused.isEmpty ? "" : "; paused (their runs stay queued until unpaused): \(paused.joined(separator: ", "))")
    }

    /// A queued run of a paused DAG stays queued forever: say so, once per DAG.
    func warnIfPaused(_ dagID: String) async {
        guard let answer = try? await call("GET", "api/v2/dags/\(dagID)", what: "DAG \(dagID)"),
              (answer.object?["is_paused"] as? Bool) == true else { return }
        await notices.once("paused \(dagID)") {
            connection.notice("\(connection.label): DAG \(dagID) is paused, so its runs stay queued until it is unpaused (PATCH /api/v2/dags/\(dagID) is_paused: false)")
        }
    }

    /// One authenticated call; a refused JWT is fetched again once before it counts as `auth`.
    /// Statuses in `accept` are returned like successes.
    func call(_ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil, what: String,
              accept: Set<Int> = []) async throws(PlatformError) -> HTTPAnswer {
        let url = base.adding(path: path, query: query)
        for round in 0..<2 {
            try await pacer.clear(connection.label)
            let token = try await auth.token(connection)
            let answer = try await http.sendJSON(method, url, headers: ["Authorization": "Bearer \(token)"], json: json)
            if answer.isSuccess || accept.contains(answer.status) { return answer }
            // Airflow 3 answers an expired or unknown JWT with 401 or 403 ("Invalid JWT token").
            if answer.status == 401 || answer.status == 403, round == 0, await auth.refused(token) { continue }
            let error = HTTPFailure.classify(answer, label: connection.label, what: what, detail: Self.detail(answer), now: connection.now)
            if case .throttled(let after, _) = error { await pacer.pause(for: after ?? .seconds(1)) }
            throw error
        }
        throw .auth("\(connection.label) refused a freshly fetched token for \(what)")
    }

    /// One structured log line: its time, level and event, then any other fields (an exception's
    /// `error_detail`, the logger) as JSON.
    static func logLine(_ line: Any) -> String {
        guard let object = line as? [String: Any] else { return "\(line)" }
        let head = ["timestamp", "level", "event"].compactMap { object[$0].map { "\($0)" } }.joined(separator: " ")
        let rest = object.filter { !["timestamp", "level", "event"].contains($0.key) }
        guard !rest.isEmpty, let data = try? JSONSerialization.data(withJSONObject: rest, options: [.sortedKeys]) else { return head }
        return head + " " + String(decoding: data, as: UTF8.self)
    }

    /// FastAPI's `{"detail": "..."}` or its structured form, as one line.
    static func detail(_ answer: HTTPAnswer) -> String? {
        guard let detail = answer.object?["detail"] else { return nil }
        if let text = detail as? String { return String(text.prefix(300)) }
        if let data = try? JSONSerialization.data(withJSONObject: detail, options: [.sortedKeys]) { return String(decoding: data.prefix(300), as: UTF8.self) }
        return nil
    }
}
