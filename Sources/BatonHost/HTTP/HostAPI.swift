public import BatonEngine
import BatonEvents
import BatonModel
import BatonState
import Foundation
public import Hummingbird
public import HummingbirdCore
public import Prometheus

/// The host's HTTP API (`Specs/http-api.yaml`): JSON in and out; errors are JSON with a message
/// naming the problem (unknown IDs 404, malformed input 400, well-formed but unacceptable 422,
/// a run ID taken by another workflow 409).
public enum HostAPI {
    /// The largest request body accepted (413 beyond).
    public static let requestBytesMax = 64 << 10
    /// The most intervals one API backfill creates.
    public static let backfillIntervalsMax = 1_000
    /// The most runs one page lists.
    public static let pageSizeMax = 500

    /// The routes, over `runtime` (whose projection the host keeps current); with `tokens`,
    /// every request needs one (see `APITokens`).
    public static func router(runtime: Runtime, tokens: APITokens?, metrics: PrometheusCollectorRegistry? = nil) -> Router<HostRequestContext> {
        let router = Router(context: HostRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware())
        router.add(middleware: TokenMiddleware(tokens: tokens))
        if let metrics {
            router.get("/metrics") { _, _ in try MetricsEndpoint(registry: metrics, runtime: runtime).response() }
        }
        router.get("/v1/health") { _, _ in
            try json(["status": "ok", "seq": runtime.state.lastSeq])
        }
        router.get("/v1/workflows") { _, _ in
            let state = runtime.state
            return try json(["workflows": state.latestDefinition.keys.sorted().compactMap { WorkflowJSON.summary($0, state, now: nowMicros()) }])
        }
        router.get("/v1/workflows/:name") { _, context in
            let name = try context.parameters.require("name")
            guard let detail = WorkflowJSON.detail(name, runtime.state) else { throw notFound("workflow \(name) is not registered") }
            return try json(detail)
        }
        router.post("/v1/workflows/:name/runs") { request, context in
            let actor = context.actor
            let name = try context.parameters.require("name")
            let body = try await TriggerBody.decode(request)
            let id = body.runID ?? "\(name)-\(UInt64(nowMicros()))-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
            do {
                let created = try await runtime.trigger(name, runID: id, params: body.params, trigger: .api, actor: actor)
                return try json(["run_id": id, "created": created], status: created ? .created : .ok)
            } catch EngineError.runIDConflict(let id, let existing, _) {
                throw HTTPError(.conflict, message: "run ID \(id) belongs to a run of workflow \(existing)")
            } catch let error as EngineError {
                throw httpError(error)
            }
        }
        router.post("/v1/workflows/:name/backfill") { request, context in
            let name = try context.parameters.require("name")
            let actor = context.actor
            let buffer = try await request.body.collect(upTo: requestBytesMax)
            guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any],
                  let from = object["from"] as? String, let to = object["to"] as? String else {
                throw HTTPError(.badRequest, message: "expected {\"from\": DATE, \"to\": DATE}")
            }
            guard let range = BackfillRange.parse(from: from, to: to) else {
                throw HTTPError(.unprocessableContent, message: "from/to must be dates like 2026-11-01 or times like 2026-11-01T06:00:00Z")
            }
            do {
                let plan = try runtime.backfillPlan(name, fromMicros: range.from, toMicros: range.to)
                guard plan.intervals.count <= backfillIntervalsMax else {
                    throw HTTPError(.unprocessableContent, message: "\(plan.intervals.count) intervals; the API backfills at most \(backfillIntervalsMax) at once (baton backfill paces more)")
                }
                var runs: [[String: Any]] = []
                for entry in plan.intervals {
                    let created = try await runtime.trigger(name, runID: entry.runID, params: [:], trigger: .backfill, interval: entry.interval, actor: actor)
                    runs.append(["run_id": entry.runID, "created": created, "logical_date_us": entry.interval.logicalDateMicros])
                }
                return try json(["runs": runs], status: runs.contains { $0["created"] as? Bool == true } ? .created : .ok)
            } catch let error as EngineError {
                throw httpError(error)
            }
        }
        let runIndex = RunIndex()
        router.get("/v1/runs") { request, _ in
            try json(try RunsPage(request.uri.queryParameters).list(runtime.state, runIndex))
        }
        router.get("/v1/runs/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let run = runtime.state.runs[id] else { throw notFound("run \(id) does not exist") }
            return try json(RunJSON.object(run))
        }
        router.post("/v1/runs/:id/cancel") { request, context in
            let id = try context.parameters.require("id")
            let reason = try await ReasonBody.decode(request)
            do {
                let result = try await runtime.cancelRun(id, reason: reason, actor: context.actor)
                guard let run = runtime.state.runs[id] else { throw notFound("run \(id) does not exist") }
                return try json(["changed": result.changed, "run": RunJSON.object(run)], status: .accepted)
            } catch let error as EngineError {
                throw httpError(error)
            }
        }
        for (verb, mode) in [("retry", Baton_V1_ClearMode.retry), ("clear", .clear)] {
            router.post("/v1/runs/:id/tasks/:task/\(verb)") { request, context in
                let id = try context.parameters.require("id")
                let task = try context.parameters.require("task")
                let reason = try await ReasonBody.decode(request)
                do {
                    let result = try await runtime.clearTask(id, task: task, mode: mode, reason: reason, actor: context.actor)
                    guard let run = runtime.state.runs[id] else { throw notFound("run \(id) does not exist") }
                    return try json(["reset": result.tasks, "run": RunJSON.object(run)])
                } catch let error as EngineError {
                    throw httpError(error)
                }
            }
        }
        router.get("/v1/events") { request, _ in
            try EventStream(request.uri.queryParameters, log: runtime.log).response()
        }
        router.get("/v1/connections") { _, _ in
            try json(["connections": ConnectionJSON.all(runtime.state, now: nowMicros())])
        }
        return router
    }

    /// The server the API runs on: HTTP/1.1 whose parse errors are answered in the API's
    /// error shape.
    public static var server: HTTPServerBuilder {
        .http1(configuration: .init(additionalChannelHandlers: [ParseErrorResponder()]))
    }

    static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    static func notFound(_ message: String) -> HTTPError { HTTPError(.notFound, message: message) }

    /// The HTTP answer to an engine error of an operator request.
    static func httpError(_ error: EngineError) -> HTTPError {
        switch error {
        case .unknownRun(let id): return notFound("run \(id) does not exist")
        case .unknownWorkflow(let name): return notFound("workflow \(name) is not registered")
        case .unknownTask(let run, let task): return notFound("run \(run) has no task \(task)")
        case .conflict(let reason): return HTTPError(.conflict, message: reason)
        case .invalidRequest(let reason): return HTTPError(.unprocessableContent, message: reason)
        default: return HTTPError(.serviceUnavailable, message: "the log could not be written: \(error)")
        }
    }

    static func json(_ value: Any, status: HTTPResponse.Status = .ok) throws -> Response {
        let text = try RunJSON.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// An optional JSON-object request body, with only the fields a route knows.
enum RequestBody {
    /// The body's object (empty for no body).
    /// - Throws: 400 when it is not a JSON object, 422 naming a field not in `fields`.
    static func object(_ request: Request, fields: [String]) async throws -> [String: Any] {
        let buffer = try await request.body.collect(upTo: HostAPI.requestBytesMax)
        guard buffer.readableBytes > 0 else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw HTTPError(.badRequest, message: "the body is not a JSON object")
        }
        for key in object.keys where !fields.contains(key) {
            throw HTTPError(.unprocessableContent, message: "unknown field \(key) (expected \(fields.joined(separator: ", ")))")
        }
        return object
    }
}

/// The body of a cancel, retry or clear: `{"reason": "..."}`, or none.
enum ReasonBody {
    static func decode(_ request: Request) async throws -> String {
        let value: Any = try await RequestBody.object(request, fields: ["reason"])["reason"] ?? ""
        guard let reason = value as? String, reason.utf8.count <= 1_000 else {
            throw HTTPError(.unprocessableContent, message: "reason must be a string of at most 1000 bytes")
        }
        return reason
    }
}

/// The body of a trigger: `{"run_id": "...", "params": {"k": "v"}}`, both optional.
struct TriggerBody {
    var runID: String?
    var params: [String: String] = [:]

    static func decode(_ request: Request) async throws -> TriggerBody {
        let object = try await RequestBody.object(request, fields: ["run_id", "params"])
        var body = TriggerBody()
        if let id = object["run_id"] {
            guard let id = id as? String, isRunID(id) else {
                throw HTTPError(.unprocessableContent, message: "run_id must be 1 to 128 of A-Z a-z 0-9 _ - . :")
            }
            body.runID = id
        }
        if let params = object["params"] {
            guard let params = params as? [String: String] else {
                throw HTTPError(.unprocessableContent, message: "params must be an object of strings")
            }
            body.params = params
        }
        return body
    }

    static func isRunID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || [45, 46, 58, 95].contains(byte)
        }
    }
}
