import Foundation

/// A generic HTTP job API: `POST <submit_path>` with the job's `body` and the key in an
/// `Idempotency-Key` header (IETF draft semantics: a repeat returns the first answer), `GET
/// <status_path>` for the state, optional `GET <lookup_path>` by key, `POST <cancel_path>`. Field
/// names and state values come from the connection. See `Specs/platforms/http.md`.
public struct HTTPJobsPlatform: Platform {
    let connection: PlatformConnection
    let base: URL
    let api: HTTPJobsAPI
    let http: HTTPClient
    let pacer: RequestPacer
    let notices = NoticeOnce()

    public var capabilities: PlatformCapabilities {
        PlatformCapabilities(canLookUpByKey: api.lookUpPath != nil, canCancel: true, deduplicatesByKey: true, pollFloor: .milliseconds(500))
    }

    /// - Throws: `PlatformError.invalid` naming a setting that is missing or malformed.
    public init(_ connection: PlatformConnection) throws(PlatformError) {
        self.connection = connection
        base = try connection.url("url")
        api = try HTTPJobsAPI(connection)
        http = HTTPClient(label: connection.label)
        pacer = RequestPacer(perSecond: connection.setting("status_reads_per_second").flatMap(Int.init) ?? 20, clock: connection.clock)
    }

    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        let parameters = request.job.map("path_params") ?? [:]
        // A structured-field string: the key quoted, with its quotes and backslashes escaped.
        let quoted = "\"" + request.idempotencyKey.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        let answer = try await call("POST", HTTPJobsAPI.fill(api.submitPath, parameters), json: request.job.map("body") ?? [:],
                                    headers: ["Idempotency-Key": quoted], what: "submitting \(request.idempotencyKey)")
        guard let object = answer.object, let id = Self.text(HTTPJobsAPI.field(object, api.idField)) else {
            throw .transient("\(connection.label): the submit answer has no \(api.idField)")
        }
        return PlatformRunID(id)
    }

    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        guard let path = api.lookUpPath else { return nil }
        let answer = try await call("GET", HTTPJobsAPI.fill(path, ["key": idempotencyKey]), what: "looking up \(idempotencyKey)", accept: [404])
        guard answer.status != 404 else { return nil }
        // The answer is the job, or a list of jobs (the first is taken), or an object holding one.
        let found: [String: Any]?
        if let list = try? JSONSerialization.jsonObject(with: answer.body) as? [[String: Any]] {
            found = list.first
        } else {
            found = answer.object.flatMap { ($0["items"] as? [[String: Any]])?.first ?? ($0["jobs"] as? [[String: Any]])?.first ?? $0 }
        }
        guard let job = found, let id = Self.text(HTTPJobsAPI.field(job, api.idField)) else { return nil }
        return PlatformRunStatus(runID: PlatformRunID(id), state: await state(of: job, id: id))
    }

    public func status(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        try await pacer.turn(connection.label)
        let answer = try await call("GET", HTTPJobsAPI.fill(api.statusPath, ["id": run.rawValue]), what: "the status of job \(run)")
        guard let object = answer.object else { throw .transient("\(connection.label): the status of job \(run) is not a JSON object") }
        return PlatformRunStatus(runID: run, state: await state(of: object, id: run.rawValue))
    }

    /// A job object's state; a succeeded job's output field is its output (an object as it is,
    /// another value as `{"result": ...}`), a failed one's message field its message.
    func state(of job: [String: Any], id: String) async -> PlatformRunStatus.State {
        let value = Self.text(HTTPJobsAPI.field(job, api.stateField))?.lowercased() ?? ""
        guard let state = api.states[value] else {
            await notices.once(value) {
                connection.notice("\(connection.label): job \(id) is in state \"\(value)\", which the connection does not map; treated as still running")
            }
            return .running
        }
        switch state {
        case .succeeded:
            guard let output = HTTPJobsAPI.field(job, api.outputField), !(output is NSNull) else { return .succeeded(outputJSON: "") }
            let object: Any = output is [String: Any] ? output : ["result": output]
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return .succeeded(outputJSON: "") }
            guard data.count <= ProcessPlatform.outputBytesMax else { return .failed(message: "the output of job \(id) is larger than \(ProcessPlatform.outputBytesMax) bytes") }
            return .succeeded(outputJSON: String(decoding: data, as: UTF8.self))
        case .failed:
            let message = HTTPJobsAPI.field(job, api.messageField).map { "\($0)" }.map { String($0.prefix(1_000)) }
            return .failed(message: "job \(id) \(value)" + (message.map { ": \($0)" } ?? ""))
        case .pending, .running, .cancelled:
            return state
        }
    }

    public func cancel(_ run: PlatformRunID) async throws(PlatformError) {
        guard let path = api.cancelPath else { return }
        _ = try await call("POST", HTTPJobsAPI.fill(path, ["id": run.rawValue]), json: [:], what: "cancelling job \(run)")
    }

    /// `GET <logs_path>` (with `{id}`) when the connection names one: its body's tail.
    public func logs(of run: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        guard let path = connection.setting("logs_path") else { return PlatformLog(text: "", note: "the connection names no logs_path") }
        let answer = try await call("GET", HTTPJobsAPI.fill(path, ["id": run.rawValue]), what: "the log of job \(run)")
        let body = (answer.object?["logs"] as? String) ?? String(decoding: answer.body, as: UTF8.self)
        let (text, cut) = PlatformLog.tail(body, tailBytes)
        return PlatformLog(text: text, note: cut ? "the last \(tailBytes) bytes" : nil)
    }

    public func check() async throws(PlatformError) -> String {
        let path = connection.setting("check_path") ?? ""
        let answer = try await call("GET", path, what: "GET /\(path)", accept: [404, 405])
        return "\(HTTPClient.origin(base)) answered HTTP \(answer.status) with the credentials accepted"
    }

    /// One call with the connection's credentials; a 409 on submit (the same key still in
    /// progress) is transient, a 422 (the key reused with another body) invalid.
    func call(_ method: String, _ path: String, json: [String: Any]? = nil, headers: [String: String] = [:], what: String,
              accept: Set<Int> = []) async throws(PlatformError) -> HTTPAnswer {
        try await pacer.clear(connection.label)
        var all = headers
        if let token = try await connection.credential("token") { all["Authorization"] = "Bearer \(token)" }
        if let key = try await connection.credential("api_key") { all[connection.setting("api_key_header") ?? "X-Api-Key"] = key }
        let answer = try await http.sendJSON(method, base.adding(path: path), headers: all, json: json)
        if answer.isSuccess || accept.contains(answer.status) { return answer }
        let detail = answer.object.flatMap { object in (object["detail"] ?? object["title"] ?? object["error"] ?? object["message"]).map { "\($0)" } }
        if answer.status == 409 { throw .transient("\(connection.label) answered 409 to \(what): the same key is still being processed\(detail.map { " (\($0))" } ?? "")") }
        let error = HTTPFailure.classify(answer, label: connection.label, what: what, detail: detail, now: connection.now)
        if case .throttled(let after, _) = error { await pacer.pause(for: after ?? .seconds(1)) }
        throw error
    }

    static func text(_ value: Any?) -> String? {
        switch value {
        case let text as String: text
        case let number as Int: String(number)
        case let number as Double: number == number.rounded() ? String(Int64(number)) : String(number)
        default: nil
        }
    }
}
