import BatonEngine
import BatonHost
import BatonLog
import BatonModel
import BatonPlatforms
import BatonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import Testing

/// The HTTP API through Hummingbird's router test client (no socket).
@Suite struct HostAPITests {
    static let etl = "name: etl\nparams: { day: \"\" }\nconnections:\n  simc: { platform: sim, max_in_flight: 3, rate: 5/1m }\ndefaults: { connection: simc }\ntasks:\n  extract: {}\n  load: { after: [extract] }\n"
    static let other = "name: other\nschedule: { cron: \"0 6 * * *\", timezone: Europe/Berlin }\nconnections:\n  simo: { platform: sim }\ndefaults: { connection: simo }\ntasks:\n  only: {}\n"

    /// A log with both workflows registered, and the API over it.
    private func withAPI(tokens: APITokens? = nil, metrics: PrometheusCollectorRegistry? = nil,
                         _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let dir = TemporaryDirectory("api")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "api-test"))
        for text in [Self.etl, Self.other] {
            _ = try await runtime.register(WorkflowLoader.parse(text, file: "t.yaml"), sourcePath: "t.yaml", actor: "test")
        }
        let app = Application(router: HostAPI.router(runtime: runtime, tokens: tokens, metrics: metrics))
        try await app.test(.router) { client in try await body(client) }
    }

    private func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    private func post(_ client: any TestClientProtocol, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
    }

    @Test func triggeringIsIdempotentByRunIDAndTheRunReadsBack() async throws {
        try await withAPI { client in
            let first = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "r-1", "params": {"day": "2026-11-24"}}"#)
            #expect(first.status == .created)
            #expect(try json(first)["created"] as? Bool == true)
            let again = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "r-1"}"#)
            let createdAgain = try json(again)["created"] as? Bool
            #expect(again.status == .ok && createdAgain == false)
            let run = try json(try await client.execute(uri: "/v1/runs/r-1", method: .get))
            #expect(run["workflow"] as? String == "etl" && run["status"] as? String == "running" && run["trigger"] as? String == "api")
            #expect((run["tasks"] as? [[String: Any]])?.map { $0["id"] as? String } == ["extract", "load"])
            // Without a run ID, one is made up.
            let generated = try json(try await post(client, "/v1/workflows/etl/runs", ""))
            #expect((generated["run_id"] as? String)?.hasPrefix("etl-") == true)
        }
    }

    @Test func cancelRetryAndClearAnswerWithTheRunAndRefuseWhatDoesNotFit() async throws {
        try await withAPI { client in
            _ = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "c-1"}"#)
            // No dispatcher runs here: the cancel cancels both tasks where they wait.
            let cancel = try await post(client, "/v1/runs/c-1/cancel", #"{"reason": "wrong day"}"#)
            #expect(cancel.status == .accepted)
            let cancelled = try json(cancel)
            #expect(cancelled["changed"] as? Bool == true)
            let run = try #require(cancelled["run"] as? [String: Any])
            #expect(run["status"] as? String == "cancelled")
            #expect((run["tasks"] as? [[String: Any]])?.map { $0["status"] as? String } == ["cancelled", "cancelled"])

            let again = try await post(client, "/v1/runs/c-1/cancel", "")
            #expect(again.status == .conflict)
            #expect(String(buffer: again.body).contains("already finished"))

            let retry = try await post(client, "/v1/runs/c-1/tasks/extract/retry", "")
            #expect(retry.status == .ok)
            let retried = try json(retry)
            #expect(retried["reset"] as? [String] == ["extract", "load"])
            #expect((retried["run"] as? [String: Any])?["status"] as? String == "running")
            // extract is queued now: clearing it is refused until it finishes.
            let busy = try await post(client, "/v1/runs/c-1/tasks/extract/clear", "")
            #expect(busy.status == .conflict)
            #expect(String(buffer: busy.body).contains("queued"))

            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/v1/runs/ghost/cancel", "", .notFound, "run ghost does not exist"),
                ("/v1/runs/ghost/tasks/extract/retry", "", .notFound, "run ghost does not exist"),
                ("/v1/runs/c-1/tasks/nope/clear", "", .notFound, "run c-1 has no task nope"),
                ("/v1/runs/c-1/cancel", "[1]", .badRequest, "not a JSON object"),
                ("/v1/runs/c-1/cancel", #"{"why": "x"}"#, .unprocessableContent, "unknown field why"),
                ("/v1/runs/c-1/tasks/extract/retry", #"{"reason": 7}"#, .unprocessableContent, "reason must be a string"),
            ]
            for (uri, body, status, message) in cases {
                let response = try await post(client, uri, body)
                #expect(response.status == status, "\(uri)")
                let error = try json(response)["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.contains(message) == true, "\(uri): \(String(buffer: response.body))")
            }
        }
    }

    @Test func badRequestsGetTheirStatusAndAMessage() async throws {
        try await withAPI { client in
            let cases: [(String, String, String, HTTPResponse.Status, String)] = [
                ("POST", "/v1/workflows/etl/runs", "not json", .badRequest, "not a JSON object"),
                ("POST", "/v1/workflows/etl/runs", #"{"run_id": "has space"}"#, .unprocessableContent, "run_id must be"),
                ("POST", "/v1/workflows/etl/runs", #"{"params": {"n": 1}}"#, .unprocessableContent, "params must be an object of strings"),
                ("POST", "/v1/workflows/etl/runs", #"{"runid": "x"}"#, .unprocessableContent, "unknown field runid"),
                ("POST", "/v1/workflows/nope/runs", "", .notFound, "workflow nope is not registered"),
                ("GET", "/v1/runs/missing", "", .notFound, "run missing does not exist"),
                ("GET", "/v1/workflows/missing", "", .notFound, "workflow missing is not registered"),
                ("GET", "/v1/runs?status=sleeping", "", .badRequest, "status sleeping is not one of"),
                ("GET", "/v1/runs?limit=9999", "", .badRequest, "limit 9999 is not a number"),
                ("GET", "/v1/runs?after=ghost", "", .badRequest, "cursor ghost is not a run"),
                ("POST", "/v1/workflows/etl/runs", #"{"params": {"dya": "1"}}"#, .unprocessableContent, "workflow etl declares no param dya (declared: day)"),
                ("GET", "/v1/events?after=18446744073709551615", "", .badRequest, "after 18446744073709551615 is past the log's head"),
                ("GET", "/v1/events?after=99999", "", .badRequest, "past the log's head"),
                ("GET", "/v1/events?max=0", "", .badRequest, "max 0 is not a positive number"),
                ("GET", "/v1/nope", "", .notFound, "no route GET /v1/nope"),
                ("POST", "/v1/runs", "", .notFound, "no route POST /v1/runs"),
            ]
            for (method, uri, body, status, message) in cases {
                let response = try await client.execute(uri: uri, method: method == "GET" ? .get : .post, body: ByteBuffer(string: body))
                #expect(response.status == status, "\(method) \(uri)")
                let error = try json(response)["error"] as? [String: Any]
                #expect((error?["message"] as? String)?.contains(message) == true, "\(method) \(uri): \(String(buffer: response.body))")
            }
            _ = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "taken"}"#)
            #expect(try await post(client, "/v1/workflows/other/runs", #"{"run_id": "taken"}"#).status == .conflict)
            let huge = "{\"params\": {\"a\": \"" + String(repeating: "x", count: HostAPI.requestBytesMax) + "\"}}"
            let tooLarge = try await post(client, "/v1/workflows/etl/runs", huge)
            #expect(tooLarge.status == .contentTooLarge)
            let error = try json(tooLarge)["error"] as? [String: Any]
            #expect(error?["message"] as? String == "the request body is larger than \(HostAPI.requestBytesMax) bytes")
        }
    }

    @Test func runsListFiltersAndPagesNewestFirst() async throws {
        try await withAPI { client in
            for index in 0..<7 { _ = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "e-\#(index)"}"#) }
            _ = try await post(client, "/v1/workflows/other/runs", #"{"run_id": "o-0"}"#)
            var seen: [String] = []
            var cursor: String? = nil
            for _ in 0..<5 {
                let page = try json(try await client.execute(uri: "/v1/runs?workflow=etl&limit=3" + (cursor.map { "&after=\($0)" } ?? ""), method: .get))
                seen += (page["runs"] as? [[String: Any]] ?? []).compactMap { $0["run_id"] as? String }
                cursor = page["next"] as? String
                if cursor == nil { break }
            }
            #expect(seen == (0..<7).reversed().map { "e-\($0)" })
            // A page that ends exactly at the last match says there is no next page.
            let whole = try json(try await client.execute(uri: "/v1/runs?workflow=etl&limit=7", method: .get))
            #expect(whole["next"] is NSNull && (whole["runs"] as? [Any])?.count == 7)
            // A cursor keeps its place when newer runs arrive.
            let first = try json(try await client.execute(uri: "/v1/runs?workflow=etl&limit=2", method: .get))
            _ = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "e-new"}"#)
            let second = try json(try await client.execute(uri: "/v1/runs?workflow=etl&limit=2&after=\(first["next"] as? String ?? "")", method: .get))
            #expect((second["runs"] as? [[String: Any]])?.compactMap { $0["run_id"] as? String } == ["e-4", "e-3"])
            let running = try json(try await client.execute(uri: "/v1/runs?status=running", method: .get))
            #expect((running["runs"] as? [Any])?.count == 9)
            #expect((try json(try await client.execute(uri: "/v1/runs?status=succeeded", method: .get))["runs"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func workflowsAndConnectionsDescribeWhatIsRegistered() async throws {
        try await withAPI { client in
            let list = try json(try await client.execute(uri: "/v1/workflows", method: .get))["workflows"] as? [[String: Any]] ?? []
            #expect(list.map { $0["name"] as? String } == ["etl", "other"])
            let schedule = list.last?["schedule"] as? [String: Any]
            #expect(schedule?["timezone"] as? String == "Europe/Berlin" && schedule?["next_fire_us"] is Int)
            let detail = try json(try await client.execute(uri: "/v1/workflows/etl", method: .get))
            let dag = detail["dag"] as? [[String: Any]] ?? []
            #expect(dag.map { $0["task"] as? String } == ["extract", "load"])
            #expect((dag.last?["after"] as? [[String: String]]) == [["task": "extract", "on": "success"]])
            #expect((detail["source"] as? String)?.hasPrefix("name: etl") == true)
            // Two runs triggered, nobody dispatching: their first tasks wait in simc's queue.
            for id in ["q-1", "q-2"] { _ = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "\#(id)"}"#) }
            let connections = try json(try await client.execute(uri: "/v1/connections", method: .get))["connections"] as? [[String: Any]] ?? []
            #expect(connections.map { $0["name"] as? String } == ["simc", "simo"])
            #expect(connections.first?["max_in_flight"] as? Int == 3 && connections.first?["rate"] as? String == "5/1m")
            #expect(connections.first?["queued"] as? Int == 2 && connections.first?["in_flight"] as? Int == 0)
        }
    }
}

extension HostAPITests {
    @Test func theEventStreamSendsEveryEventInOrderFromACursor() async throws {
        try await withAPI { client in
            _ = try await client.execute(uri: "/v1/workflows/etl/runs", method: .post, body: ByteBuffer(string: #"{"run_id": "s-1"}"#))
            let response = try await client.execute(uri: "/v1/events?after=1&max=3", method: .get)
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            let frames = String(buffer: response.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(frames.count == 3)
            #expect(frames.map { $0.split(separator: "\n").first.map(String.init) } == ["id: 2", "id: 3", "id: 4"])
            #expect(frames[1].contains("event: RunCreated") && frames[1].contains(#""run_id":"s-1""#), "\(frames)")
            let bad = try await client.execute(uri: "/v1/events?after=x", method: .get)
            #expect(bad.status == .badRequest)
        }
    }
}

extension HostAPITests {
    static let tokenFile = """
        # name role token
        dashboard read    r-0123456789abcdef0123
        deployer  operator o-fedcba9876543210fedc   # CI
        """

    @Test func withTokensEveryRequestNeedsOneAndReadTokensOnlyRead() async throws {
        let tokens = try APITokens(text: Self.tokenFile, file: "tokens")
        try await withAPI(tokens: tokens) { client in
            #expect(try await client.execute(uri: "/v1/health", method: .get).status == .unauthorized)
            let wrong = try await client.execute(uri: "/v1/health", method: .get, headers: [.authorization: "Bearer r-0123456789abcdef0124"])
            #expect(wrong.status == .unauthorized)
            #expect(!String(buffer: wrong.body).contains("0124"), "the error does not echo the token")
            let reader: HTTPFields = [.authorization: "Bearer r-0123456789abcdef0123"]
            let writer: HTTPFields = [.authorization: "Bearer o-fedcba9876543210fedc"]
            #expect(try await client.execute(uri: "/v1/runs", method: .get, headers: reader).status == .ok)
            let refused = try await client.execute(uri: "/v1/workflows/etl/runs", method: .post, headers: reader, body: ByteBuffer(string: "{}"))
            #expect(refused.status == .forbidden && String(buffer: refused.body).contains("token dashboard may only read"))
            let created = try await client.execute(uri: "/v1/workflows/etl/runs", method: .post, headers: writer, body: ByteBuffer(string: #"{"run_id": "t-1"}"#))
            #expect(created.status == .created)
            // The event the request caused names the token (never the token itself).
            let events = try await client.execute(uri: "/v1/events?after=0&max=3", method: .get, headers: reader)
            let text = String(buffer: events.body)
            #expect(text.contains(#""actor":"api:deployer""#) && !text.contains("fedcba9876543210"), "\(text)")
        }
    }

    @Test(arguments: [
        ("alice read short", "line 1: the token of alice is shorter than 16 characters"),
        ("alice admin 0123456789abcdef01", "line 1: role admin is not read or operator"),
        ("alice read", "line 1: expected NAME ROLE TOKEN"),
        ("a read 0123456789abcdef01\na operator 0123456789abcdef02", "line 2: name a is used twice"),
        ("# nothing", "no tokens in the file"),
    ])
    func badTokenFilesNameTheLineButNeverTheToken(text: String, message: String) {
        #expect(throws: TokenFileError.self) { try APITokens(text: text, file: "t") }
        do {
            _ = try APITokens(text: text, file: "t")
        } catch {
            #expect(error.description.hasSuffix(message), "\(error)")
            #expect(!error.description.contains("0123456789abcdef"))
        }
    }
}

extension HostAPITests {
    @Test func backfillCreatesOneRunPerIntervalOnceAndRefusesWhatItCannot() async throws {
        try await withAPI { client in
            let first = try await client.execute(uri: "/v1/workflows/other/backfill", method: .post,
                                                 body: ByteBuffer(string: #"{"from": "2026-11-01", "to": "2026-11-03"}"#))
            #expect(first.status == .created)
            let runs = try json(first)["runs"] as? [[String: Any]] ?? []
            // 06:00 Europe/Berlin is 05:00 UTC in November.
            #expect(runs.map { $0["run_id"] as? String } == ["other-20261101T050000Z", "other-20261102T050000Z", "other-20261103T050000Z"])
            let again = try await client.execute(uri: "/v1/workflows/other/backfill", method: .post,
                                                 body: ByteBuffer(string: #"{"from": "2026-11-01", "to": "2026-11-03"}"#))
            #expect(again.status == .ok)
            #expect((try json(again)["runs"] as? [[String: Any]])?.allSatisfy { $0["created"] as? Bool == false } == true)
            let run = try json(try await client.execute(uri: "/v1/runs/other-20261102T050000Z", method: .get))
            #expect(run["trigger"] as? String == "backfill")
            let unscheduled = try await client.execute(uri: "/v1/workflows/etl/backfill", method: .post,
                                                       body: ByteBuffer(string: #"{"from": "2026-11-01", "to": "2026-11-03"}"#))
            #expect(unscheduled.status == .unprocessableContent && String(buffer: unscheduled.body).contains("has no schedule"))
            let backwards = try await client.execute(uri: "/v1/workflows/other/backfill", method: .post,
                                                     body: ByteBuffer(string: #"{"from": "2026-11-03", "to": "2026-11-01"}"#))
            #expect(backwards.status == .unprocessableContent)
            #expect(try await client.execute(uri: "/v1/workflows/other/backfill", method: .post, body: ByteBuffer(string: "{}")).status == .badRequest)
        }
    }
}

extension HostAPITests {
    @Test func metricsShowRunsTasksAndQueuesInPrometheusText() async throws {
        try await withAPI(metrics: PrometheusCollectorRegistry()) { client in
            for id in ["m-1", "m-2"] { _ = try await post(client, "/v1/workflows/etl/runs", #"{"run_id": "\#(id)"}"#) }
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            for line in [#"baton_runs_count{status="running"} 2.0"#, #"baton_active_run_tasks_count{status="queued"} 2.0"#,
                         #"baton_active_run_tasks_count{status="pending"} 2.0"#, #"baton_connection_queued_count{connection="simc"} 2.0"#,
                         #"baton_connection_max_in_flight_count{connection="simc"} 3.0"#, #"baton_connection_held_count{connection="simc"} 0.0"#,
                         #"baton_connection_window_used_count{connection="simc"} 0.0"#, "# TYPE baton_log_head_seq gauge"] {
                #expect(text.contains(line), "missing \(line) in\n\(text)")
            }
        }
    }
}
