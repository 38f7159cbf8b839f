import BatonPlatforms
import BatonTestSupport
import Foundation
import Testing

/// The Data Factory adapter against the loopback fake in `Tools/fakes/adf.py` (ARM and the Entra
/// token endpoint): a submission found again by its `baton_key` parameter, every status, activity
/// output, cancel through Canceling, throttling in both `Retry-After` forms, an expiring token.
@Suite struct ADFPlatformTests {
    static let secret = "adf-secret-MARKER-41f"

    static func fake(_ dir: TemporaryDirectory, faults: [[String: Any]] = [], pageSize: Int = 100) async throws -> LoopbackServer {
        let config: [String: Any] = [
            "tenant": "tenant-1", "client_id": "app-1", "client_secret": secret, "expires_in": 3_599,
            "subscription": "sub-1", "resource_group": "rg-1", "factory": "factory-1", "page_size": pageSize,
            "pipelines": [
                "load": ["timeline": [["Queued", 30], ["InProgress", 60]], "result": "Succeeded", "activity": ["name": "Copy", "output": ["rowsCopied": 7]]],
                "broken": ["timeline": [["InProgress", 30]], "result": "Failed", "message": "Operation on target Copy failed: table missing"],
                "odd": ["timeline": [["Paused", 600_000]]],
                "long": ["timeline": [["InProgress", 600_000]]],
            ],
            "faults": faults,
        ]
        let path = dir.appending("adf.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/fakes/adf.py", path])
    }

    static func platform(_ server: LoopbackServer, secret reference: String = "{{ secrets.adf }}", notices: Notices? = nil) throws -> ADFPlatform {
        let base = "http://127.0.0.1:\(server.port)"
        let connection = PlatformConnection(name: "adf", platform: "adf",
                                            settings: ["url": base, "login_url": base, "tenant": "tenant-1", "client_id": "app-1", "client_secret": reference,
                                                       "subscription": "sub-1", "resource_group": "rg-1", "factory": "factory-1"],
                                            clock: WallClock(), notice: { notices?.add($0) },
                                            resolve: { reference throws(PlatformError) in reference == "{{ secrets.adf }}" ? secret : "not-the-secret" })
        return try ADFPlatform(connection)
    }

    static func request(_ key: String, _ pipeline: String, output: String? = nil) -> SubmitRequest {
        var job: [String: RenderedJob.Value] = ["pipeline": .text(pipeline), "parameters": .map(["day": "2026-12-01"])]
        if let output { job["output_activity"] = .text(output) }
        return SubmitRequest(idempotencyKey: key, runID: "r", taskID: "t", attempt: 1, job: RenderedJob(job))
    }

    static func finish(_ platform: ADFPlatform, _ run: PlatformRunID) async throws -> PlatformRunStatus {
        try await AdapterConformance.finish(platform, run)
    }

    @Test func aRunIsFoundByItsKeyAcrossPagesAndItsActivityOutputIsTheOutput() async throws {
        let dir = TemporaryDirectory("adf-key")
        defer { dir.remove() }
        let server = try await Self.fake(dir, pageSize: 2)
        let platform = try Self.platform(server)
        for index in 0..<5 { _ = try await platform.submit(Self.request("other/\(index)/1", "load")) }
        let run = try await platform.submit(Self.request("r/load/1", "load", output: "Copy"))
        let found = try await platform.lookUp(idempotencyKey: "r/load/1")
        #expect(found?.runID.rawValue == run.rawValue.split(separator: "#").first.map(String.init))
        #expect(try await platform.lookUp(idempotencyKey: "r/never/1") == nil)
        #expect(try await Self.finish(platform, run).state == .succeeded(outputJSON: #"{"rowsCopied":7}"#))
        let runs = try await server.json("/_fake/runs")["runs"] as? [[String: Any]] ?? []
        #expect(runs.compactMap { ($0["parameters"] as? [String: String])?["baton_key"] }.sorted().last == "r/load/1")
        #expect(runs.allSatisfy { ($0["parameters"] as? [String: String])?["day"] == "2026-12-01" })
    }

    @Test func everyStatusMapsAndCancelGoesThroughCanceling() async throws {
        let dir = TemporaryDirectory("adf-states")
        defer { dir.remove() }
        let server = try await Self.fake(dir)
        let notices = Notices()
        let platform = try Self.platform(server, notices: notices)
        let broken = try await platform.submit(Self.request("k/broken", "broken"))
        guard case .failed(let message) = try await Self.finish(platform, broken).state else { Issue.record("broken did not fail"); return }
        #expect(message.contains("table missing"))
        let odd = try await platform.submit(Self.request("k/odd", "odd"))
        for _ in 0..<3 { #expect(try await platform.status(of: odd).state == PlatformRunStatus.State.running) }
        #expect(notices.all.count == 1 && notices.all.first?.contains("Paused") == true)
        let long = try await platform.submit(Self.request("k/long", "long"))
        try await platform.cancel(long)
        #expect(try await Self.finish(platform, long).state == .cancelled)
        do {
            _ = try await platform.status(of: PlatformRunID("00000000-0000-0000-0000-000000000000"))
            Issue.record("an unknown run has a status")
        } catch {
            guard case .notFound = error else { Issue.record("an unknown run is \(error)"); return }
        }
        #expect(try await platform.check().contains("4 pipelines"))
    }

    @Test(arguments: ["seconds", "date"])
    func aThrottleHoldsTheConnectionUntilRetryAfter(form: String) async throws {
        let dir = TemporaryDirectory("adf-429")
        defer { dir.remove() }
        let server = try await Self.fake(dir, faults: [["kind": "throttle", "count": 1, "match": "pipelineruns/", "retry_after": 2, "form": form]])
        try await AdapterConformance.throttleHoldsTheConnection(try Self.platform(server), server, Self.request("k/t", "load"))
    }

    @Test func anExpiredTokenIsFetchedAgainAndARefusedClientIsAuth() async throws {
        let dir = TemporaryDirectory("adf-token")
        defer { dir.remove() }
        let server = try await Self.fake(dir, faults: [["kind": "expire", "count": 1, "match": "pipelineruns/"]])
        let platform = try Self.platform(server)
        let run = try await platform.submit(Self.request("k/e", "load"))
        #expect(try await Self.finish(platform, run).isTerminal)
        #expect(try await server.json("/_fake/stats")["token_fetches"] as? Int == 2)
        let refused = try Self.platform(server, secret: "{{ secrets.wrong }}")
        do {
            _ = try await refused.check()
            Issue.record("a wrong secret passed")
        } catch {
            guard case .auth(let message) = error else { Issue.record("a wrong secret is \(error)"); return }
            #expect(!message.contains("not-the-secret") && !message.contains(Self.secret))
        }
    }
}
