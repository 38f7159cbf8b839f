import BatonEngine
import BatonEvents
@testable import BatonHost
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing

/// Alert delivery with a scripted webhook transport: retries with backoff, gives up where a retry
/// cannot help, records every attempt as an event, and never writes an address into the log.
@Suite struct AlerterTests {
    /// Waits are conditions polled every 5 ms up to two minutes: generous for a loaded machine.
    static let pollsMax = 24_000

    static let workflow = """
        name: nightly
        owner: data@example.com
        alerts: [oncall, ghost]
        connections:
          simc: { platform: sim }
        defaults: { connection: simc }
        tasks:
          load: { outcome: failure }
        """
    static let hooks = "oncall https://hooks.example/services/SECRET-oncall\nall https://all.example/T0/SECRET-all global  # everyone\n"

    /// Answers from a script per host, counted per alert (the last answer repeats), and keeps every body posted.
    final class ScriptedTransport: WebhookTransport {
        let script: [String: [WebhookAnswer]]
        let posts = Mutex<[(host: String, body: [UInt8])]>([])

        init(_ script: [String: [WebhookAnswer]]) { self.script = script }

        func post(_ body: [UInt8], to url: URL) async -> WebhookAnswer {
            let host = url.host ?? ""
            func alert(_ body: [UInt8]) -> Int? { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["alert_seq"] as? Int }
            let count = posts.withLock { posts in
                posts.append((host, body))
                return posts.filter { $0.host == host && alert($0.body) == alert(body) }.count
            }
            let answers = script[host] ?? [.unreachable("no script")]
            return answers[min(count, answers.count) - 1]
        }
    }

    /// A log in `dir` where run n-1 of `nightly` (listing `alerts`) failed, and its runtime.
    static func failedRun(_ dir: TemporaryDirectory, alerts: String) async throws -> (EventLog, Runtime, SystemEngineClock) {
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.path, clock: clock)
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "t", pollInitial: .milliseconds(1)))
        let text = workflow.replacingOccurrences(of: "[oncall, ghost]", with: alerts)
        _ = try await runtime.register(WorkflowLoader.parse(text, file: "n.yaml"), sourcePath: "n.yaml", actor: "test")
        _ = try await runtime.trigger("nightly", runID: "n-1", params: [:], trigger: .manual, actor: "test")
        #expect(try await runtime.drive(until: "n-1") == .failed)
        return (log, runtime, clock)
    }

    @Test func deliveriesAreRetriedWithBackoffRecordedAndNeverNameTheAddress() async throws {
        let dir = TemporaryDirectory("alerts")
        defer { dir.remove() }
        let (log, runtime, clock) = try await Self.failedRun(dir, alerts: "[oncall, ghost]")
        defer { log.close() }
        #expect(runtime.state.pendingAlerts.count == 2)

        let transport = ScriptedTransport([
            "hooks.example": [.status(503), .unreachable("URL error -1001"), .status(200)],
            "all.example": [.status(404)],
        ])
        let alerter = Alerter(runtime: runtime, webhooks: try Webhooks(text: Self.hooks, file: "hooks"), transport: transport, clock: clock,
                              options: AlertOptions(backoffBase: .milliseconds(5), pollInterval: .milliseconds(5), linkBase: "http://127.0.0.1:8080"),
                              logger: Logger(label: "test"))
        let delivering = Task { try await alerter.run() }
        for _ in 0..<Self.pollsMax where !runtime.state.pendingAlerts.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        delivering.cancel()
        _ = try? await delivering.value
        #expect(runtime.state.pendingAlerts.isEmpty)

        var deliveries: [Baton_V1_AlertDelivery] = []
        var payloads = ""
        try log.forEach(from: 1) { record in
            payloads += String(decoding: record.payload, as: UTF8.self)
            if case .alertDelivery(let e) = try EventCodec.decode(record.payload, seq: record.seq).body { deliveries.append(e) }
        }
        #expect(!payloads.contains("SECRET") && !payloads.contains("hooks.example"))
        // Two alerts (the task's final failure, the failed run), each to oncall, all and ghost.
        for seq in Set(deliveries.map(\.alertSeq)) {
            let mine = deliveries.filter { $0.alertSeq == seq }
            let oncall = mine.filter { $0.target == "oncall" }
            #expect(oncall.map(\.attempt) == [1, 2, 3] && oncall.map(\.delivered) == [false, false, true])
            #expect(oncall.map(\.final) == [false, false, true] && oncall.first?.detail == "HTTP 503")
            #expect(oncall.first.map { $0.nextAttemptUs > 0 } == true)
            let all = mine.filter { $0.target == "all" }
            #expect(all.count == 1 && all.first?.final == true && all.first?.detail == "HTTP 404, not retried")
            let ghost = mine.filter { $0.target == "ghost" }
            #expect(ghost.count == 1 && ghost.first?.detail.contains("no webhook named ghost") == true)
            #expect(mine.filter(\.alertDone).count == 1 && mine.last?.alertDone == true)
        }
        #expect(Set(deliveries.map(\.alertSeq)).count == 2)

        // The message: Slack's text plus the structured fields.
        let body = try #require(transport.posts.withLock { $0.first { $0.host == "hooks.example" }?.body })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect(object["workflow"] as? String == "nightly" && object["owner"] as? String == "data@example.com")
        #expect(object["run_id"] as? String == "n-1" && object["link"] as? String == "http://127.0.0.1:8080/v1/runs/n-1")
        #expect((object["text"] as? String)?.hasPrefix("Baton: ") == true)
        #expect(Set(transport.posts.withLock { $0.compactMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }.compactMap { $0["kind"] as? String } })
                == ["task_failed", "run_failed"])
    }

    @Test func anAlertWhoseRemainingWebhookLeftTheFileIsRecordedDone() async throws {
        let dir = TemporaryDirectory("alerts-left")
        defer { dir.remove() }
        let (log, runtime, clock) = try await Self.failedRun(dir, alerts: "[oncall]")
        defer { log.close() }
        func deliver(_ hooks: String, until done: @escaping () -> Bool) async throws {
            let transport = ScriptedTransport(["hooks.example": [.status(200)], "all.example": [.status(503)]])
            let alerter = Alerter(runtime: runtime, webhooks: try Webhooks(text: hooks, file: "hooks"), transport: transport, clock: clock,
                                  options: AlertOptions(backoffBase: .seconds(60), pollInterval: .milliseconds(5)), logger: Logger(label: "test"))
            let delivering = Task { try await alerter.run() }
            for _ in 0..<Self.pollsMax where !done() { try await Task.sleep(for: .milliseconds(5)) }
            delivering.cancel()
            _ = try? await delivering.value
        }
        // oncall takes it; the global webhook fails and waits a minute for its next attempt.
        try await deliver(Self.hooks) { runtime.state.pendingAlerts.values.allSatisfy { $0.finalTargets == ["oncall"] } }
        #expect(runtime.state.pendingAlerts.count == 2 && runtime.state.pendingAlerts.values.allSatisfy { $0.finalTargets == ["oncall"] })
        // The host restarts without the global webhook: nothing is left to send, so the alerts end.
        try await deliver("oncall https://hooks.example/services/SECRET-oncall\n") { runtime.state.pendingAlerts.isEmpty }
        #expect(runtime.state.pendingAlerts.isEmpty)
    }

    /// A clock the test moves by hand; sleepers wake when it passes their time.
    final class HandClock: EngineClock {
        let now = Mutex<Int64>(1_800_000_000_000_000)

        func nowMicros() -> Int64 { now.withLock { $0 } }

        func sleep(untilMicros micros: Int64) async throws {
            while nowMicros() < micros { try await Task.sleep(for: .milliseconds(1)) }
        }

        func advance(seconds: Int64) { now.withLock { $0 += seconds * 1_000_000 } }
    }

    @Test func aRestartedAlerterContinuesTheRecordedBackoffAndAttemptNumbers() async throws {
        let dir = TemporaryDirectory("alerts-restart")
        defer { dir.remove() }
        let (log, runtime, _) = try await Self.failedRun(dir, alerts: "[oncall]")
        defer { log.close() }
        let hand = HandClock()
        let transport = ScriptedTransport(["hooks.example": [.status(503), .status(200)]])
        let hooks = "oncall https://hooks.example/services/SECRET-oncall\n"
        func deliver(polls: Int = Self.pollsMax, until done: @escaping () -> Bool) async throws {
            let alerter = Alerter(runtime: runtime, webhooks: try Webhooks(text: hooks, file: "hooks"), transport: transport, clock: hand,
                                  options: AlertOptions(backoffBase: .seconds(60), pollInterval: .milliseconds(2)), logger: Logger(label: "test"))
            let delivering = Task { try await alerter.run() }
            for _ in 0..<polls where !done() { try await Task.sleep(for: .milliseconds(5)) }
            delivering.cancel()
            _ = try? await delivering.value
        }
        let start = hand.nowMicros()
        try await deliver { runtime.state.pendingAlerts.values.allSatisfy { $0.retries["oncall"]?.attempts == 1 } }
        let retries = runtime.state.pendingAlerts.values.compactMap { $0.retries["oncall"] }
        #expect(retries.count == 2 && retries.allSatisfy { $0.nextAttemptMicros == start + 60_000_000 })
        // A new alerter (a restarted host) waits for the recorded time instead of posting at once...
        let posted = transport.posts.withLock { $0.count }
        try await deliver(polls: 60) { transport.posts.withLock { $0.count } > posted }
        #expect(transport.posts.withLock { $0.count } == posted)
        // ...and once it has come, makes attempt 2, not attempt 1 again.
        hand.advance(seconds: 61)
        try await deliver { runtime.state.pendingAlerts.isEmpty }
        #expect(runtime.state.pendingAlerts.isEmpty)
        var attempts: [UInt32] = []
        try log.forEach(from: 1) { record in
            if case .alertDelivery(let e) = try EventCodec.decode(record.payload, seq: record.seq).body { attempts.append(e.attempt) }
        }
        #expect(attempts.sorted() == [1, 1, 2, 2])
    }

    @Test(arguments: [
        ("oncall ftp://x/y", "line 1: the address of webhook oncall is not an http(s) URL"),
        ("a https://x/1\na https://x/2", "line 2: webhook a is named twice"),
        ("https://x/1 oncall", "line 1: bad webhook name"),
        ("a https://x/1 always", "line 1: expected NAME URL [global]"),
    ])
    func badWebhookFilesNameTheLineButNeverTheAddress(text: String, message: String) {
        do {
            _ = try Webhooks(text: text, file: "hooks")
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.description.contains(message), "\(error)")
            #expect(!error.description.contains("https://x"))
        }
    }
}

/// The real transport against a live loopback server.
@Suite struct WebhookTransportTests {
    @Test func postsTheJSONBodyAndReportsTheStatusOrUnreachable() async throws {
        let received = Mutex<[String]>([])
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 16)
            let contentType = request.headers[.contentType] ?? ""
            received.withLock { $0.append("\(contentType) \(String(buffer: body))") }
            return .accepted
        }
        router.post("/busy") { _, _ -> HTTPResponse.Status in .tooManyRequests }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let transport = URLSessionWebhookTransport(timeout: 5)
            let ok = await transport.post(Array(#"{"text":"hi"}"#.utf8), to: try #require(URL(string: "http://127.0.0.1:\(port)/hook")))
            #expect(ok == .status(202))
            #expect(received.withLock { $0 } == [#"application/json {"text":"hi"}"#])
            #expect(await transport.post([], to: try #require(URL(string: "http://127.0.0.1:\(port)/busy"))) == .status(429))
        }
        // Nothing listens on port 9 of loopback (discard is never served in CI images).
        let refused = await URLSessionWebhookTransport(timeout: 5).post([], to: try #require(URL(string: "http://127.0.0.1:9/hook")))
        if case .unreachable(let reason) = refused {
            #expect(!reason.contains("127.0.0.1"))
        } else {
            Issue.record("a refused connection answered \(refused)")
        }
    }
}
