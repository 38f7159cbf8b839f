import BatonPlatforms
import BatonTestSupport
import Foundation
import Testing

/// The generic HTTP job adapter against `Tools/fakes/http_jobs.py` (the IETF Idempotency-Key
/// draft's semantics): a repeated key replays the first answer, another body under the same key is
/// refused, look-up by key, every state, output, cancel, throttling, refused credentials.
@Suite struct HTTPJobsPlatformTests {
    static let token = "http-token-MARKER-9b2"

    static func fake(_ dir: TemporaryDirectory, result: String = "succeeded", timeline: [[Any]] = [["queued", 30], ["running", 60]],
                     faults: [[String: Any]] = []) async throws -> LoopbackServer {
        let config: [String: Any] = ["token": token, "timeline": timeline, "result": result, "output": ["rows": 3], "error": "disk full", "faults": faults]
        let path = dir.appending("http.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/fakes/http_jobs.py", path])
    }

    static func platform(_ server: LoopbackServer, extra: [String: String] = [:], token reference: String = "{{ secrets.t }}",
                         notices: Notices? = nil) throws -> HTTPJobsPlatform {
        var settings = ["url": "http://127.0.0.1:\(server.port)", "token": reference, "lookup_path": "jobs?idempotency_key={key}"]
        settings.merge(extra) { $1 }
        let connection = PlatformConnection(name: "api", platform: "http", settings: settings, clock: WallClock(), notice: { notices?.add($0) },
                                            resolve: { reference throws(PlatformError) in reference == "{{ secrets.t }}" ? token : "wrong" })
        return try HTTPJobsPlatform(connection)
    }

    static func request(_ key: String, body: [String: String] = ["table": "sales"]) -> SubmitRequest {
        SubmitRequest(idempotencyKey: key, runID: "r", taskID: "t", attempt: 1, job: RenderedJob(["body": .map(body)]))
    }

    static func finish(_ platform: HTTPJobsPlatform, _ run: PlatformRunID) async throws -> PlatformRunStatus {
        try await AdapterConformance.finish(platform, run)
    }

    @Test func aRepeatedKeyReplaysTheFirstAnswerAndAnotherBodyUnderItIsRefused() async throws {
        let dir = TemporaryDirectory("http-idem")
        defer { dir.remove() }
        let server = try await Self.fake(dir)
        let platform = try Self.platform(server)
        let first = try await platform.submit(Self.request("r/t/1"))
        #expect(try await platform.submit(Self.request("r/t/1")) == first)
        do {
            _ = try await platform.submit(Self.request("r/t/1", body: ["table": "other"]))
            Issue.record("another body under the same key was accepted")
        } catch {
            guard case .invalid = error else { Issue.record("a reused key is \(error)"); return }
        }
        #expect(try await platform.lookUp(idempotencyKey: "r/t/1")?.runID == first)
        #expect(try await platform.lookUp(idempotencyKey: "r/never/1") == nil)
        #expect(try await Self.finish(platform, first).state == .succeeded(outputJSON: #"{"rows":3}"#))
        #expect(try await server.json("/_fake/stats")["runs"] as? Int == 1)
    }

    @Test func failureCancelAndUnknownStatesMap() async throws {
        let dir = TemporaryDirectory("http-states")
        defer { dir.remove() }
        let failing = try await Self.fake(dir, result: "failed")
        let platform = try Self.platform(failing)
        let failed = try await platform.submit(Self.request("k/f"))
        guard case .failed(let message) = try await Self.finish(platform, failed).state else { Issue.record("the job did not fail"); return }
        #expect(message.contains("disk full"))
        let slow = try await Self.fake(dir, timeline: [["running", 600_000]])
        let notices = Notices()
        let slowPlatform = try Self.platform(slow, notices: notices)
        let long = try await slowPlatform.submit(Self.request("k/long"))
        try await slowPlatform.cancel(long)
        #expect(try await Self.finish(slowPlatform, long).state == .cancelled)
        // A state the connection does not map is not terminal and is reported once.
        let odd = try Self.platform(slow, extra: ["running_states": "busy"], notices: notices)
        let oddRun = try await odd.submit(Self.request("k/odd"))
        for _ in 0..<3 { #expect(try await odd.status(of: oddRun).state == PlatformRunStatus.State.running) }
        #expect(notices.all.count == 1 && notices.all.first?.contains("\"running\"") == true)
    }

    @Test(arguments: ["seconds", "date"])
    func aThrottleHoldsTheConnectionUntilRetryAfter(form: String) async throws {
        let dir = TemporaryDirectory("http-429")
        defer { dir.remove() }
        let server = try await Self.fake(dir, faults: [["kind": "throttle", "count": 1, "match": "/jobs/", "retry_after": 2, "form": form]])
        try await AdapterConformance.throttleHoldsTheConnection(try Self.platform(server), server, Self.request("k/t"))
    }

    @Test func refusedCredentialsAreAuthAndNeverQuoted() async throws {
        let dir = TemporaryDirectory("http-auth")
        defer { dir.remove() }
        let server = try await Self.fake(dir)
        let wrong = try Self.platform(server, token: "{{ secrets.other }}")
        do {
            _ = try await wrong.submit(Self.request("k/a"))
            Issue.record("a wrong token was accepted")
        } catch {
            guard case .auth(let message) = error else { Issue.record("a wrong token is \(error)"); return }
            #expect(!message.contains("wrong") && !message.contains(Self.token))
        }
    }
}
