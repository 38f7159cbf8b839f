import Crypto
import Foundation

/// Databricks Jobs (API 2.1): `run-now` of a saved job or a one-time `runs/submit`, deduplicated
/// by `idempotency_token` (the key's SHA-256 in hex, 64 characters: Databricks' limit), polled
/// with `runs/get`, output from `runs/get-output` of the task's own run, stopped with
/// `runs/cancel`. Auth: a personal access token, or OAuth M2M (`/oidc/v1/token`). See
/// `Specs/platforms/databricks.md`.
public struct DatabricksPlatform: Platform {
    /// Reads per second spent on status when the connection does not say (`status_reads_per_second`).
    public static let statusReadsPerSecond = 20

    let connection: PlatformConnection
    let base: URL
    let http: HTTPClient
    let auth: BearerSource
    let pacer: RequestPacer
    let unknownStates = NoticeOnce()

    public var capabilities: PlatformCapabilities {
        PlatformCapabilities(canLookUpByKey: false, canCancel: true, deduplicatesByKey: true, pollFloor: .seconds(1))
    }

    /// An adapter for `connection` (settings `url`, and `token` or `client_id` + `client_secret`).
    /// - Throws: `PlatformError.invalid` naming a setting that is missing or malformed.
    public init(_ connection: PlatformConnection) throws(PlatformError) {
        self.connection = connection
        let url = try connection.url("url")
        base = url.adding(path: "api/\(connection.setting("api_version") ?? "2.1")")
        http = HTTPClient(label: connection.label)
        auth = try DatabricksAuth.source(connection, workspace: url, http: http)
        let reads = connection.setting("status_reads_per_second").flatMap(Int.init) ?? Self.statusReadsPerSecond
        pacer = RequestPacer(perSecond: reads, clock: connection.clock)
    }

    /// The `idempotency_token` for a key: its SHA-256 in hex (exactly Databricks' 64-character limit).
    static func idempotencyToken(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        let job = try DatabricksJob(request.job)
        let answer = try await call("POST", job.path, json: job.body(token: Self.idempotencyToken(request.idempotencyKey), key: request.idempotencyKey),
                                    what: "\(job.path) for \(request.idempotencyKey)")
        guard let id = Self.int(answer.object?["run_id"]) else {
            throw .transient("\(connection.label): \(job.path) answered without a run_id")
        }
        // The output task rides in the run ID, so a status read after a restart still knows it.
        return PlatformRunID(request.job.text("output_task").map { "\(id):\($0)" } ?? String(id))
    }

    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        nil  // No endpoint searches by token; submitting again with the same token is the look-up.
    }

    /// A run ID as Baton keeps it: Databricks' `run_id`, and the output task after a colon.
    static func parse(_ run: PlatformRunID) throws(PlatformError) -> (id: Int64, outputTask: String?) {
        let parts = run.rawValue.split(separator: ":", maxSplits: 1).map(String.init)
        guard let first = parts.first, let id = Int64(first) else { throw .notFound("\(run) is not a Databricks run ID") }
        return (id, parts.count > 1 ? parts[1] : nil)
    }

    public func status(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        let (id, outputTask) = try Self.parse(run)
        try await pacer.turn(connection.label)
        let answer = try await call("GET", "jobs/runs/get", query: [("run_id", String(id))], what: "runs/get of run \(id)")
        guard let object = answer.object, let state = object["state"] as? [String: Any], let lifeCycle = state["life_cycle_state"] as? String else {
            throw .transient("\(connection.label): runs/get of run \(run) answered without state.life_cycle_state")
        }
        let result = state["result_state"] as? String
        let message = (state["state_message"] as? String) ?? ""
        let mapped = DatabricksMapping.state(lifeCycle: lifeCycle, result: result, message: message)
        if !mapped.known {
            await unknownStates.once("\(lifeCycle)/\(result ?? "")") {
                connection.notice("\(connection.label): run \(run) is in state \(lifeCycle)\(result.map { "/\($0)" } ?? ""), which this version does not know; treated as still running")
            }
        }
        let tasks = (object["tasks"] as? [[String: Any]]) ?? []
        switch mapped.state {
        case .succeeded:
            return PlatformRunStatus(runID: run, state: try await output(of: id, tasks: tasks, outputTask: outputTask))
        case .failed(let why):
            let page = (object["run_page_url"] as? String).map { " (\($0))" } ?? ""
            let error = tasks.count == 1 ? await taskError(tasks[0]) : nil
            return PlatformRunStatus(runID: run, state: .failed(message: "\(why)\(error.map { ": \($0)" } ?? "")\(page)"))
        case .pending, .running, .cancelled:
            return PlatformRunStatus(runID: run, state: mapped.state)
        }
    }

    public func cancel(_ run: PlatformRunID) async throws(PlatformError) {
        let id = try Self.parse(run).id
        _ = try await call("POST", "jobs/runs/cancel", json: ["run_id": id], what: "runs/cancel of run \(id)")
    }

    /// The output task's `logs` (stdout/stderr of Python and JAR tasks), `error` and
    /// `error_trace` from `runs/get-output`, and the run page.
    public func logs(of run: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        let (id, outputTask) = try Self.parse(run)
        let answer = try await call("GET", "jobs/runs/get", query: [("run_id", String(id))], what: "runs/get of run \(id)")
        let tasks = (answer.object?["tasks"] as? [[String: Any]]) ?? []
        let task = Self.outputTask(tasks, named: outputTask).flatMap { Self.int($0["run_id"]) } ?? id
        let output = try await call("GET", "jobs/runs/get-output", query: [("run_id", String(task))], what: "runs/get-output of run \(task)").object ?? [:]
        let parts = ["logs", "error", "error_trace"].compactMap { key in (output[key] as? String).flatMap { $0.isEmpty ? nil : "── \(key)\n\($0)\n" } }
        let (text, cut) = PlatformLog.tail(parts.joined(), tailBytes)
        return PlatformLog(text: text, link: answer.object?["run_page_url"] as? String,
                           note: parts.isEmpty ? "Databricks keeps no log text for this task (a notebook's cells are on its run page)" : (cut ? "the last \(tailBytes) bytes" : nil))
    }

    public func check() async throws(PlatformError) -> String {
        let answer = try await call("GET", "jobs/list", query: [("limit", "1")], what: "jobs/list")
        let some = ((answer.object?["jobs"] as? [Any])?.isEmpty == false) ? "at least one job" : "no jobs"
        return "\(HTTPClient.origin(base)) accepted the credentials (jobs/list: \(some))"
    }

    /// One authenticated call; a refused token is fetched again once (OAuth) before it counts as `auth`.
    func call(_ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil, what: String) async throws(PlatformError) -> HTTPAnswer {
        let url = base.adding(path: path, query: query)
        for round in 0..<2 {
            try await pacer.clear(connection.label)
            let token = try await auth.token(connection)
            let answer = try await http.sendJSON(method, url, headers: ["Authorization": "Bearer \(token)"], json: json)
            if answer.isSuccess { return answer }
            if answer.status == 401, round == 0, await auth.refused(token) { continue }
            let error = DatabricksMapping.failure(answer, label: connection.label, what: what, now: connection.now)
            if case .throttled(let after, _) = error { await pacer.pause(for: after ?? .seconds(1)) }
            throw error
        }
        throw .auth("\(connection.label) refused a freshly fetched token for \(what)")
    }

    static func int(_ value: Any?) -> Int64? {
        switch value {
        case let number as Int: Int64(number)
        case let number as Int64: number
        case let number as Double where number == number.rounded() && abs(number) < 9e15: Int64(number)
        case let text as String: Int64(text)
        default: nil
        }
    }
}
