import BatonPlatforms
import BatonTestSupport
import Foundation
import Synchronization
import Testing

/// What an adapter reported to the operator.
final class Notices: Sendable {
    private let texts = Mutex<[String]>([])
    func add(_ text: String) { texts.withLock { $0.append(text) } }
    var all: [String] { texts.withLock { $0 } }
}

/// Wall time for adapters talking to a live loopback server.
struct WallClock: SimClock {
    func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
}

/// The Databricks adapter against the loopback fake in `Tools/fakes/databricks.py`: the shared
/// adapter conformance (idempotent submit, every state, output, cancel, throttling with both
/// `Retry-After` forms, a lost answer, an expiring token), each asserted on the fake's own ledger.
@Suite struct DatabricksPlatformTests {
    static let pat = "dbx-pat-MARKER-5e1"

    /// A fake with jobs 42 (succeeds with an output object), 43 (fails), 44 (a state this version
    /// does not know, then success), 45 (stuck pending), and the given faults.
    static func fake(_ dir: TemporaryDirectory, faults: [[String: Any]] = [], oauthExpiresIn: Int = 3_600) async throws -> LoopbackServer {
        let config: [String: Any] = [
            "token": pat,
            "oauth": ["client_id": "sp-1", "client_secret": "sp-secret", "expires_in": oauthExpiresIn],
            "jobs": [
                "42": ["name": "ingest", "timeline": [["PENDING", 30], ["RUNNING", 60]], "result": "SUCCESS", "output": "{\"rows\": 3}"],
                "43": ["name": "broken", "timeline": [["RUNNING", 30]], "result": "FAILED", "error": "ZeroDivisionError", "logs": "reading sales\nTraceback ..."],
                "44": ["name": "future", "timeline": [["FLOATING", 600_000]]],
                "47": ["name": "text", "timeline": [["RUNNING", 30]], "result": "SUCCESS", "output": "plain text"],
                "45": ["name": "stuck", "timeline": [["QUEUED", 600_000]]],
                "46": ["name": "skipped", "timeline": [], "result": "MAXIMUM_CONCURRENT_RUNS_REACHED"],
            ],
            "faults": faults,
        ]
        let path = dir.appending("databricks.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/fakes/databricks.py", path])
    }

    static func platform(_ server: LoopbackServer, settings: [String: String]? = nil, notices: Notices? = nil) throws -> DatabricksPlatform {
        let settings = settings ?? ["url": "http://127.0.0.1:\(server.port)", "token": "{{ secrets.dbx }}"]
        let connection = PlatformConnection(name: "dbx", platform: "databricks", settings: settings, clock: WallClock(),
                                            notice: { text in notices?.add(text) },
                                            resolve: { reference throws(PlatformError) in
                                                switch reference {
                                                case "{{ secrets.dbx }}": return pat
                                                case "{{ secrets.sp }}": return "sp-secret"
                                                default: throw .auth("no secret for \(reference)")
                                                }
                                            })
        return try DatabricksPlatform(connection)
    }

    static func request(_ key: String, job: [String: RenderedJob.Value]) -> SubmitRequest {
        SubmitRequest(idempotencyKey: key, runID: "r", taskID: "t", attempt: 1, job: RenderedJob(job))
    }

    static func finish(_ platform: DatabricksPlatform, _ run: PlatformRunID) async throws -> PlatformRunStatus {
        try await AdapterConformance.finish(platform, run)
    }

    @Test func submittingOneKeyTwiceStartsOneRunAndItsNotebookValueIsTheOutput() async throws {
        let dir = TemporaryDirectory("dbx-idem")
        defer { dir.remove() }
        let server = try await Self.fake(dir)
        let platform = try Self.platform(server)
        let request = Self.request("r/load/1", job: ["job_id": .text("42"), "job_parameters": .map(["day": "2026-12-01"])])
        let first = try await platform.submit(request)
        let second = try await platform.submit(request)
        #expect(first == second)
        let other = try await platform.submit(Self.request("r/load/2", job: ["job_id": .text("42")]))
        #expect(other != first)
        #expect(try await Self.finish(platform, first).state == .succeeded(outputJSON: "{\"rows\": 3}"))
        let runs = try await server.json("/_fake/runs")["runs"] as? [[String: Any]] ?? []
        #expect(runs.count == 2)
        #expect(runs.compactMap { $0["token"] as? String }.allSatisfy { $0.count == 64 })
        #expect((runs.first { "\($0["run_id"] ?? "")" == first.rawValue }?["parameters"] as? [String: String]) == ["day": "2026-12-01"])
    }

    @Test func everyStateMapsAndAnUnknownOneIsNotTerminalAndReportedOnce() async throws {
        let dir = TemporaryDirectory("dbx-states")
        defer { dir.remove() }
        let server = try await Self.fake(dir)
        let notices = Notices()
        let platform = try Self.platform(server, notices: notices)
        let failed = try await platform.submit(Self.request("k/43", job: ["job_id": .text("43")]))
        guard case .failed(let message) = try await Self.finish(platform, failed).state else { Issue.record("job 43 did not fail"); return }
        #expect(message.contains("FAILED") && message.contains("ZeroDivisionError") && message.contains("fake.databricks"))
        // `baton logs`: the task's own logs and error, and the run page.
        let log = try await platform.logs(of: failed, tailBytes: 1_000)
        #expect(log.text.contains("reading sales") && log.text.contains("ZeroDivisionError"))
        #expect(log.link?.contains("fake.databricks/#job/run/") == true)
        #expect(try await platform.logs(of: failed, tailBytes: 10).text.utf8.count <= 10)
        let skipped = try await platform.submit(Self.request("k/46", job: ["job_id": .text("46")]))
        guard case .failed(let why) = try await Self.finish(platform, skipped).state else { Issue.record("job 46 did not fail"); return }
        #expect(why.contains("MAXIMUM_CONCURRENT_RUNS_REACHED"))
        let future = try await platform.submit(Self.request("k/44", job: ["job_id": .text("44")]))
        for _ in 0..<3 { #expect(try await platform.status(of: future).state == PlatformRunStatus.State.running) }
        #expect(notices.all.count == 1)
        #expect(notices.all.first?.contains("FLOATING") == true)
        // A notebook value that is not a JSON object becomes {"result": ...}.
        let text = try await platform.submit(Self.request("k/47", job: ["job_id": .text("47")]))
        #expect(try await Self.finish(platform, text).state == .succeeded(outputJSON: "{\"result\":\"plain text\"}"))
        let stuck = try await platform.submit(Self.request("k/45", job: ["job_id": .text("45")]))
        #expect(try await platform.status(of: stuck).state == PlatformRunStatus.State.pending)
        try await platform.cancel(stuck)
        #expect(try await Self.finish(platform, stuck).state == PlatformRunStatus.State.cancelled)
    }

    @Test func aOneTimeNotebookRunAndTheRefusalsAreClassified() async throws {
        let dir = TemporaryDirectory("dbx-errors")
        defer { dir.remove() }
        let server = try await Self.fake(dir)
        let platform = try Self.platform(server)
        let notebook = try await platform.submit(Self.request("k/nb", job: ["notebook_path": .text("/Repos/etl/load"), "cluster_id": .text("c-1"),
                                                                            "base_parameters": .map(["day": "1"])]))
        #expect(try await Self.finish(platform, notebook).isTerminal)
        // A run Databricks does not know: 400 INVALID_PARAMETER_VALUE "... does not exist" is not found.
        do {
            _ = try await platform.status(of: PlatformRunID("999999"))
            Issue.record("a missing run has a status")
        } catch {
            guard case .notFound = error else { Issue.record("a missing run is \(error), not notFound"); return }
        }
        do {
            _ = try await platform.submit(Self.request("k/none", job: ["job_id": .text("7")]))
            Issue.record("a missing job was accepted")
        } catch {
            guard case .notFound(let message) = error else { Issue.record("a missing job is \(error)"); return }
            #expect(message.contains("Job 7 does not exist"))
        }
        let wrong = try Self.platform(server, settings: ["url": "http://127.0.0.1:\(server.port)", "token": "{{ secrets.nobody }}"])
        do {
            _ = try await wrong.check()
            Issue.record("an unresolvable token passed the check")
        } catch {
            guard case .auth(let message) = error else { Issue.record("\(error)"); return }
            #expect(!message.contains(Self.pat))
        }
        let line = try await platform.check()
        #expect(line.contains("accepted the credentials") && !line.contains(Self.pat))
    }

    @Test(arguments: ["seconds", "date"])
    func aThrottleHoldsEveryRequestOfTheConnectionUntilRetryAfterHasPassed(form: String) async throws {
        let dir = TemporaryDirectory("dbx-429")
        defer { dir.remove() }
        let server = try await Self.fake(dir, faults: [["kind": "throttle", "count": 1, "match": "runs/get", "retry_after": 2, "form": form]])
        try await AdapterConformance.throttleHoldsTheConnection(try Self.platform(server), server, Self.request("k/throttle", job: ["job_id": .text("42")]))
    }

    @Test func aLostSubmitAnswerResentWithTheSameKeyFindsTheRunItStarted() async throws {
        let dir = TemporaryDirectory("dbx-lost")
        defer { dir.remove() }
        let server = try await Self.fake(dir, faults: [["kind": "lose", "count": 1, "match": "run-now"],
                                                       ["kind": "error", "count": 2, "match": "run-now", "status": 503]])
        let platform = try Self.platform(server)
        let request = Self.request("r/t/1", job: ["job_id": .text("42")])
        var answers: [PlatformError] = []
        var id: PlatformRunID?
        for _ in 0..<4 {
            do {
                id = try await platform.submit(request)
                break
            } catch {
                answers.append(error)
            }
        }
        #expect(answers.count == 3 && answers.allSatisfy(\.isRetryable), "\(answers)")
        #expect(id != nil)
        let stats = try await server.json("/_fake/stats")
        #expect(stats["runs"] as? Int == 1)
    }

    @Test func anOAuthTokenIsFetchedOnceKeptAndFetchedAgainWhenRefused() async throws {
        let dir = TemporaryDirectory("dbx-oauth")
        defer { dir.remove() }
        let server = try await Self.fake(dir, faults: [["kind": "expire", "count": 1, "match": "runs/get"]])
        let platform = try Self.platform(server, settings: ["url": "http://127.0.0.1:\(server.port)", "client_id": "sp-1",
                                                            "client_secret": "{{ secrets.sp }}"])
        let run = try await platform.submit(Self.request("k/oauth", job: ["job_id": .text("42")]))
        #expect(try await Self.finish(platform, run).isTerminal)
        let stats = try await server.json("/_fake/stats")
        #expect(stats["token_fetches"] as? Int == 2, "one token, then a new one after the 401")
        let refusing = try Self.platform(server, settings: ["url": "http://127.0.0.1:\(server.port)", "client_id": "sp-2",
                                                            "client_secret": "{{ secrets.sp }}"])
        do {
            _ = try await refusing.check()
            Issue.record("a refused client passed")
        } catch {
            guard case .auth = error else { Issue.record("a refused client is \(error)"); return }
        }
    }
}
