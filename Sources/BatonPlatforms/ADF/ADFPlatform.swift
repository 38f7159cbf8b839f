import Foundation

/// Azure Data Factory (REST API 2018-06-01): `createRun` of a pipeline with Baton's key as the
/// pipeline parameter `baton_key` (the service has no idempotency of its own), found again by
/// `queryPipelineRuns` and a client-side match on that parameter, polled with `pipelineruns/{id}`,
/// output from an activity's output, cancelled recursively. Auth: Entra ID client credentials.
/// See `Specs/platforms/adf.md`.
public struct ADFPlatform: Platform {
    static let apiVersion = "2018-06-01"
    /// The pipeline parameter that carries the idempotency key.
    public static let keyParameter = "baton_key"
    /// How far back a look-up by key searches (by `lastUpdated`), and how many pages it reads.
    static let lookUpWindow = Duration.seconds(7 * 86_400)
    static let lookUpPagesMax = 50

    let connection: PlatformConnection
    let factory: URL
    let http: HTTPClient
    let token: BearerToken
    let pacer: RequestPacer
    let notices = NoticeOnce()

    public var capabilities: PlatformCapabilities {
        PlatformCapabilities(canLookUpByKey: true, canCancel: true, pollFloor: .seconds(1))
    }

    /// An adapter for `connection` (settings `tenant`, `client_id`, `client_secret`,
    /// `subscription`, `resource_group`, `factory`; `url` and `login_url` default to Azure's).
    /// - Throws: `PlatformError.invalid` naming a setting that is missing or malformed.
    public init(_ connection: PlatformConnection) throws(PlatformError) {
        self.connection = connection
        let management = try connection.url("url", default: "https://management.azure.com")
        let login = try connection.url("login_url", default: "https://login.microsoftonline.com")
        factory = management.adding(path: "subscriptions/\(try connection.required("subscription"))/resourceGroups/\(try connection.required("resource_group"))"
                                    + "/providers/Microsoft.DataFactory/factories/\(try connection.required("factory"))")
        http = HTTPClient(label: connection.label)
        guard connection.setting("client_secret") != nil else { throw .invalid("\(connection.label) needs the setting client_secret") }
        token = EntraToken.cache(connection, login: login, tenant: try connection.required("tenant"), clientID: try connection.required("client_id"),
                                 scope: "https://management.azure.com/.default", http: http)
        // ARM refills a principal's read bucket at 25 per second; ADF allows 1,000 monitoring queries a minute.
        pacer = RequestPacer(perSecond: connection.setting("status_reads_per_second").flatMap(Int.init) ?? 10, clock: connection.clock)
    }

    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        guard let pipeline = request.job.text("pipeline"), !pipeline.isEmpty else { throw .invalid("an adf job needs job.pipeline") }
        var parameters = request.job.map("parameters") ?? [:]
        parameters[Self.keyParameter] = request.idempotencyKey
        let answer = try await call("POST", "pipelines/\(pipeline)/createRun", json: parameters, what: "createRun of pipeline \(pipeline) for \(request.idempotencyKey)")
        guard let runID = answer.object?["runId"] as? String, !runID.isEmpty else {
            throw .transient("\(connection.label): createRun of \(pipeline) answered without a runId")
        }
        return ADFRun(runID: runID, outputActivity: request.job.text("output_activity")).platformRunID
    }

    /// The run whose `baton_key` parameter is `idempotencyKey`, among the factory's runs updated in
    /// the last `lookUpWindow` (ADF cannot filter on parameters: every page is matched here).
    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        try await lookUp(idempotencyKey, pipeline: nil, outputActivity: nil)
    }

    /// The request's run, searched among its pipeline's runs and named as `submit` names it.
    public func lookUp(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunStatus? {
        try await lookUp(request.idempotencyKey, pipeline: request.job.text("pipeline"), outputActivity: request.job.text("output_activity"))
    }

    func lookUp(_ idempotencyKey: String, pipeline: String?, outputActivity: String?) async throws(PlatformError) -> PlatformRunStatus? {
        let now = connection.now
        var body: [String: Any] = ["lastUpdatedAfter": Self.iso(now.addingTimeInterval(-Double(Self.lookUpWindow.components.seconds))),
                                   "lastUpdatedBefore": Self.iso(now.addingTimeInterval(3_600))]
        if let pipeline { body["filters"] = [["operand": "PipelineName", "operator": "Equals", "values": [pipeline]]] }
        for _ in 0..<Self.lookUpPagesMax {
            // Not behind the status reads: a look-up decides whether a run is started twice.
            let answer = try await call("POST", "queryPipelineRuns", json: body, what: "queryPipelineRuns for \(idempotencyKey)")
            let runs = (answer.object?["value"] as? [[String: Any]]) ?? []
            if let run = runs.first(where: { ($0["parameters"] as? [String: Any])?[Self.keyParameter] as? String == idempotencyKey }),
               let id = run["runId"] as? String {
                return PlatformRunStatus(runID: ADFRun(runID: id, outputActivity: outputActivity).platformRunID, state: await mapped(run, id: id).state)
            }
            guard let next = answer.object?["continuationToken"] as? String, !next.isEmpty else { return nil }
            body["continuationToken"] = next
        }
        throw .transient("\(connection.label): queryPipelineRuns for \(idempotencyKey) has more than \(Self.lookUpPagesMax) pages")
    }

    public func status(of id: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        let run = try ADFRun(id)
        try await pacer.turn(connection.label)
        let answer = try await call("GET", "pipelineruns/\(run.runID)", what: "pipeline run \(run.runID)")
        guard let object = answer.object else { throw .transient("\(connection.label): pipeline run \(run.runID) answered no JSON object") }
        let state = await mapped(object, id: run.runID).state
        if case .succeeded = state, let activity = run.outputActivity {
            return PlatformRunStatus(runID: id, state: try await output(of: run.runID, activity: activity))
        }
        return PlatformRunStatus(runID: id, state: state)
    }

    /// A run resource's `status` in Baton's terms (unknown values reported once, not terminal).
    func mapped(_ object: [String: Any], id: String) async -> (state: PlatformRunStatus.State, known: Bool) {
        let status = (object["status"] as? String) ?? ""
        let message = (object["message"] as? String).map { String($0.prefix(1_000)) } ?? ""
        switch status {
        case "Queued": return (.pending, true)
        case "InProgress", "Canceling": return (.running, true)
        case "Succeeded": return (.succeeded(outputJSON: ""), true)
        case "Failed": return (.failed(message: "pipeline run failed" + (message.isEmpty ? "" : ": \(message)")), true)
        case "Cancelled": return (.cancelled, true)
        default:
            await notices.once(status) {
                connection.notice("\(connection.label): pipeline run \(id) is in status \(status), which this version does not know; treated as still running")
            }
            return (.running, false)
        }
    }

    public func cancel(_ id: PlatformRunID) async throws(PlatformError) {
        let run = try ADFRun(id)
        _ = try await call("POST", "pipelineruns/\(run.runID)/cancel", query: [("isRecursive", "true")], what: "cancelling pipeline run \(run.runID)")
    }

    /// Data Factory has no log API: the run's message and each failed activity's error.
    public func logs(of id: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        let run = try ADFRun(id)
        let resource = try await call("GET", "pipelineruns/\(run.runID)", what: "pipeline run \(run.runID)").object ?? [:]
        let now = connection.now
        let body: [String: Any] = ["lastUpdatedAfter": Self.iso(now.addingTimeInterval(-Double(Self.lookUpWindow.components.seconds))),
                                   "lastUpdatedBefore": Self.iso(now.addingTimeInterval(3_600))]
        let activities = (try await call("POST", "pipelineruns/\(run.runID)/queryActivityruns", json: body, what: "the activities of \(run.runID)").object?["value"] as? [[String: Any]]) ?? []
        var lines = ["status \(resource["status"] as? String ?? "?")" + ((resource["message"] as? String).map { ": \($0)" } ?? "")]
        for activity in activities {
            let error = (activity["error"] as? [String: Any])?["message"] as? String
            lines.append("── \(activity["activityName"] as? String ?? "?") \(activity["status"] as? String ?? "")" + (error.map { ": \($0)" } ?? ""))
        }
        let (text, _) = PlatformLog.tail(lines.joined(separator: "\n") + "\n", tailBytes)
        return PlatformLog(text: text, note: "Data Factory keeps no log text: the run's message and its activities' errors")
    }

    public func check() async throws(PlatformError) -> String {
        _ = try await call("GET", "", what: "the factory")
        let answer = try await call("GET", "pipelines", what: "the pipeline list")
        let count = (answer.object?["value"] as? [Any])?.count ?? 0
        return "\(HTTPClient.origin(factory)) accepted the credentials: factory with \(count) pipelines"
    }

    /// One call to the factory; a refused token is fetched again once before it counts as `auth`.
    func call(_ method: String, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil, what: String) async throws(PlatformError) -> HTTPAnswer {
        let url = factory.adding(path: path, query: query + [("api-version", Self.apiVersion)])
        for round in 0..<2 {
            try await pacer.clear(connection.label)
            let bearer = try await token.token()
            let answer = try await http.sendJSON(method, url, headers: ["Authorization": "Bearer \(bearer)"], json: json ?? (method == "POST" ? [:] : nil))
            if answer.isSuccess { return answer }
            if answer.status == 401, round == 0 {
                await token.refused(bearer)
                continue
            }
            let error = (answer.object?["error"] as? [String: Any]).map { "\($0["code"] as? String ?? "") \($0["message"] as? String ?? "")" }
            let failure = HTTPFailure.classify(answer, label: connection.label, what: what, detail: error, now: connection.now)
            if case .throttled(let after, _) = failure { await pacer.pause(for: after ?? .seconds(1)) }
            throw failure
        }
        throw .auth("\(connection.label) refused a freshly fetched token for \(what)")
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// A pipeline run as Baton records it: the service's `runId`, and after a `#` the activity whose
/// output is the task's output.
struct ADFRun {
    let runID: String
    let outputActivity: String?

    var platformRunID: PlatformRunID { PlatformRunID(outputActivity.map { "\(runID)#\($0)" } ?? runID) }

    init(runID: String, outputActivity: String?) {
        self.runID = runID
        self.outputActivity = outputActivity
    }

    init(_ id: PlatformRunID) throws(PlatformError) {
        let parts = id.rawValue.split(separator: "#", maxSplits: 1).map(String.init)
        guard let first = parts.first, !first.isEmpty else { throw .notFound("\(id) is not a pipeline run ID") }
        self.init(runID: first, outputActivity: parts.count > 1 ? parts[1] : nil)
    }
}
