import Foundation

/// Ray Jobs (the dashboard's REST API): `POST /api/jobs/` under a `submission_id` derived from
/// the key, `GET /api/jobs/{id}` for status and look-up, the driver log for the output line,
/// `POST /api/jobs/{id}/stop` to cancel. See `Specs/platforms/ray.md`.
public struct RayPlatform: Platform {
    /// The line prefix a Ray job prints to hand Baton its output object (the last such line wins).
    public static let outputPrefix = "BATON_OUTPUT "
    /// How much of the driver log an output is looked for in, from its end.
    static let logTailBytes = 4 << 20

    let connection: PlatformConnection
    let base: URL
    let http: HTTPClient
    let pacer: RequestPacer

    public var capabilities: PlatformCapabilities {
        PlatformCapabilities(canLookUpByKey: true, canCancel: true, pollFloor: .milliseconds(500))
    }

    /// An adapter for `connection` (settings `url`, optional `token`).
    /// - Throws: `PlatformError.invalid` naming a setting that is missing or malformed.
    public init(_ connection: PlatformConnection) throws(PlatformError) {
        self.connection = connection
        base = try connection.url("url")
        http = HTTPClient(label: connection.label)
        pacer = RequestPacer(perSecond: connection.setting("status_reads_per_second").flatMap(Int.init) ?? 50, clock: connection.clock)
    }

    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        let job = try RayJob(request.job)
        let id = RayJob.submissionID(request.idempotencyKey)
        do {
            _ = try await call("POST", "api/jobs/", json: job.body(submissionID: id, key: request.idempotencyKey), what: "a job submission for \(request.idempotencyKey)")
        } catch let error where error.isAlreadyExists {
            // A submission with this key exists (its answer was lost, or a process died after
            // sending it): adopt it.
        }
        return PlatformRunID(id)
    }

    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        do {
            return try await status(of: PlatformRunID(RayJob.submissionID(idempotencyKey)))
        } catch .notFound {
            return nil
        }
    }

    public func status(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        try await pacer.turn(connection.label)
        let answer = try await call("GET", "api/jobs/\(run.rawValue)", what: "the status of job \(run)")
        guard let object = answer.object, let status = object["status"] as? String else {
            throw .transient("\(connection.label): job \(run) answered without a status")
        }
        let message = (object["message"] as? String).map { String($0.prefix(1_000)) } ?? ""
        switch status {
        case "PENDING": return PlatformRunStatus(runID: run, state: .pending)
        case "RUNNING": return PlatformRunStatus(runID: run, state: .running)
        case "STOPPED": return PlatformRunStatus(runID: run, state: .cancelled)
        case "FAILED":
            let kind = (object["error_type"] as? String).map { "\($0): " } ?? ""
            return PlatformRunStatus(runID: run, state: .failed(message: "\(kind)\(message)"))
        case "SUCCEEDED":
            return PlatformRunStatus(runID: run, state: try await output(of: run))
        default:
            connection.notice("\(connection.label): job \(run) is in state \(status), which this version does not know; treated as still running")
            return PlatformRunStatus(runID: run, state: .running)
        }
    }

    /// The output a succeeded job printed: its last `BATON_OUTPUT {...}` line, which must be a
    /// JSON object of at most 1 MiB; no such line is no output.
    func output(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus.State {
        let answer = try await call("GET", "api/jobs/\(run.rawValue)/logs", what: "the log of job \(run)")
        guard let logs = answer.object?["logs"] as? String else { return .succeeded(outputJSON: "") }
        return Self.outputState(logs)
    }

    static func outputState(_ logs: String) -> PlatformRunStatus.State {
        let tail = logs.utf8.count > logTailBytes ? String(decoding: logs.utf8.suffix(logTailBytes), as: UTF8.self) : logs
        guard let line = tail.split(separator: "\n").last(where: { $0.hasPrefix(outputPrefix) }) else { return .succeeded(outputJSON: "") }
        let text = String(line.dropFirst(outputPrefix.count)).trimmingCharacters(in: .whitespaces)
        guard text.utf8.count <= ProcessPlatform.outputBytesMax else {
            return .failed(message: "the \(outputPrefix.trimmingCharacters(in: .whitespaces)) line is larger than \(ProcessPlatform.outputBytesMax) bytes")
        }
        guard let data = text.data(using: .utf8), (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
            return .failed(message: "the \(outputPrefix.trimmingCharacters(in: .whitespaces)) line is not a JSON object: \(text.prefix(200))")
        }
        return .succeeded(outputJSON: text)
    }

    public func cancel(_ run: PlatformRunID) async throws(PlatformError) {
        _ = try await call("POST", "api/jobs/\(run.rawValue)/stop", what: "stopping job \(run)")
    }

    /// The driver log (`GET /api/jobs/<id>/logs`, which answers it whole), its tail.
    public func logs(of run: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        let answer = try await call("GET", "api/jobs/\(run.rawValue)/logs", what: "the log of job \(run)")
        let (text, cut) = PlatformLog.tail((answer.object?["logs"] as? String) ?? "", tailBytes)
        return PlatformLog(text: text, link: base.absoluteString + "/#/jobs/\(run.rawValue)", note: cut ? "the last \(tailBytes) bytes of the driver log" : nil)
    }

    public func check() async throws(PlatformError) -> String {
        let answer = try await call("GET", "api/version", what: "api/version")
        let version = (answer.object?["ray_version"] as? String) ?? "?"
        return "\(HTTPClient.origin(base)) is Ray \(version)"
    }

    func call(_ method: String, _ path: String, json: [String: Any]? = nil, what: String) async throws(PlatformError) -> HTTPAnswer {
        try await pacer.clear(connection.label)
        var headers: [String: String] = [:]
        if let token = try await connection.credential("token") { headers["Authorization"] = "Bearer \(token)" }
        let answer = try await http.sendJSON(method, base.adding(path: path), headers: headers, json: json)
        if answer.isSuccess { return answer }
        // Ray's errors are plain text (often a traceback); a duplicate submission_id comes back as
        // 400 from the agent or 500 from the head, with "already exists" in the text.
        let text = answer.text(limit: 4_000)
        if answer.status == 400 || answer.status == 500, text.contains("already exists") {
            throw .invalid("\(connection.label): \(what): \(RayPlatform.alreadyExists)")
        }
        let detail = text.split(separator: "\n").last.map { String($0.prefix(300)) }
        let error = HTTPFailure.classify(answer, label: connection.label, what: what, detail: detail, now: connection.now)
        if case .throttled(let after, _) = error { await pacer.pause(for: after ?? .seconds(1)) }
        throw error
    }

    static let alreadyExists = "a job with this submission_id already exists"
}

extension PlatformError {
    /// Ray's answer to a submission whose `submission_id` is taken.
    var isAlreadyExists: Bool {
        if case .invalid(let message) = self { return message.hasSuffix(RayPlatform.alreadyExists) }
        return false
    }
}
