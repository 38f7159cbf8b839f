@testable import BatonEngine
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Testing

/// The human output of `baton replay` for a run with retries, a skip and a failure handler,
/// compared line for line with a reviewed copy. The run is made on a simulated clock with effects
/// carried out in a fixed order, so its log (times, IDs, hashes) is the same every time.
///
/// After an intended change of the output, regenerate the copy with
/// `BATON_UPDATE_GOLDEN=1 swift test --filter ReplayGoldenTests` and review the diff.
@Suite struct ReplayGoldenTests {
    static let workflow = """
        name: audit_me
        params: { region: us }
        connections:
          simc: { platform: sim, max_in_flight: 2 }
        defaults: { connection: simc, retry: { attempts: 2, delay: 10s, max_delay: 10s } }
        tasks:
          extract: { outcome: [failure, success] }
          check:   { after: [extract], outcome: failure, retry: { attempts: 1 } }
          publish: { after: [check] }
          alert:   { after: { check: failure } }
        """

    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/replay-golden.txt")

    /// Runs the workflow to its end on a simulated clock, one effect at a time in order.
    private func makeLog(_ data: String) async throws {
        let clock = GoldenClock(start: 1_795_478_400_000_000) // 2026-11-24T00:00:00Z
        let log = try EventLog(directory: EventLog.directory(inData: data), clock: clock)
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "golden", snapshotEveryEvents: 0))
        let workflow = try WorkflowLoader.parse(Self.workflow, file: "audit.yaml")
        _ = try await runtime.createRun(workflow, runID: "audit-1", params: ["region": "eu"], logicalDateMicros: clock.nowMicros(),
                                        sourcePath: "audit.yaml", actor: "cli:golden")
        var planner = EffectPlanner(dispatcherID: "golden")
        let inbox = Inbox()
        var pending: [Effect] = []
        for _ in 0..<2_000 {
            let result = try await runtime.commitStep(inbox.take())
            let state = runtime.state
            if state.runs["audit-1"]?.outcome != nil { return }
            pending += planner.effects(after: result.events, state, runtime: runtime)
            if !pending.isEmpty {
                clock.advance(to: clock.nowMicros() + 250_000)
                try await runtime.perform(pending.removeFirst(), inbox: inbox)
            } else if !inbox.hasPending {
                clock.advance(to: Decider.nextDeadline(state, now: clock.nowMicros()) ?? clock.nowMicros() + 1_000_000)
            }
        }
        Issue.record("the golden run did not finish")
    }

    @Test func humanReplayOfRetriesSkipsAndAFailureHandlerMatchesTheReviewedCopy() async throws {
        let dir = TemporaryDirectory("golden")
        defer { dir.remove() }
        try await makeLog(dir.path)
        let replay = try await BatonProcess.run(["replay", "--data", dir.path])
        #expect(replay.status == 0, "\(replay.stderr)")
        if ProcessInfo.processInfo.environment["BATON_UPDATE_GOLDEN"] == "1" {
            try replay.stdout.write(to: Self.golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: Self.golden, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let actual = replay.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, (want, got)) in zip(expected, actual).enumerated() where want != got {
            Issue.record("line \(index + 1) differs:\n  expected: \(want)\n  actual:   \(got)")
            break
        }
        #expect(actual.count == expected.count)
    }
}

/// A simulated clock on which short waits (poll backoff) jump time forward at once, while a long
/// wait (a call's timeout) never ends by itself: the platform call it guards always answers
/// first, so no race between the two can change the log.
final class GoldenClock: EngineClock {
    private let inner: SimulatedClock
    /// Waits this long or longer are call timeouts.
    static let timeoutHorizonMicros: Int64 = 30_000_000

    init(start: Int64) { inner = SimulatedClock(start: start) }

    func nowMicros() -> Int64 { inner.nowMicros() }

    func sleep(untilMicros target: Int64) async throws {
        if target - inner.nowMicros() >= Self.timeoutHorizonMicros {
            try await Task.sleep(for: .seconds(86_400))
        }
        try await inner.sleep(untilMicros: target)
    }

    func advance(to target: Int64) { inner.advance(to: target) }
}
