@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Testing

/// An operator's cancel, retry and clear, on the engine with the sim platform.
@Suite struct OperatorTests {
    /// `load` fails its first attempt and succeeds the next; nothing retries by itself.
    static let workflow = """
        name: ops
        alerts: [oncall]
        connections:
          simc: { platform: sim, max_in_flight: 2 }
        defaults: { connection: simc }
        tasks:
          extract: {}
          load: { after: [extract], outcome: [failure, success] }
          check: { after: [load] }
          slow: { duration: 60s }
          tail: { after: [slow] }
        """

    private struct Fixture {
        let dir: TemporaryDirectory
        let log: EventLog
        let clock: SystemEngineClock
        let runtime: Runtime

        func close() {
            log.close()
            dir.remove()
        }
    }

    private func fixture(_ text: String = OperatorTests.workflow) async throws -> Fixture {
        let dir = TemporaryDirectory("operator")
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.appending("log"), clock: clock)
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "t", pollInitial: .milliseconds(1)))
        let workflow = try WorkflowLoader.parse(text, file: "ops.yaml")
        _ = try await runtime.register(workflow, sourcePath: "ops.yaml", actor: "test")
        return Fixture(dir: dir, log: log, clock: clock, runtime: runtime)
    }

    private func task(_ run: RunState?, _ name: String) throws -> TaskRecord {
        let run = try #require(run)
        return run.tasks[try #require(run.graph.index(named: name)).rawValue]
    }

    /// What a fresh projection of the whole log says, and its snapshot round trip.
    private func expectReplayAgrees(_ f: Fixture) throws {
        var state = EngineState()
        try f.log.forEach(from: 1) { record in
            try state.apply(EventCodec.decode(record.payload, seq: record.seq), seq: record.seq, timeMicros: record.timeMicros)
        }
        #expect(state == f.runtime.state)
        #expect(try SnapshotCodec.decode(SnapshotCodec.encode(state)) == state)
    }

    /// The error `body` throws (nil when it succeeds).
    private func refusal(_ body: () async throws -> Void) async -> EngineError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? EngineError
        }
    }

    private func conflictReason(_ error: EngineError?) -> String? {
        if case .conflict(let reason) = error { return reason }
        return nil
    }

    private func kinds(_ log: EventLog) throws -> [(kind: String, event: Baton_V1_Event)] {
        var found: [(String, Baton_V1_Event)] = []
        try log.forEach(from: 1) { record in
            let event = try EventCodec.decode(record.payload, seq: record.seq)
            found.append((event.kindName, event))
        }
        return found
    }

    @Test func retryRerunsAFailedTaskWithItsDownstreamUnderNewKeysAndTheRunSucceeds() async throws {
        let f = try await fixture(OperatorTests.workflow.replacingOccurrences(of: "duration: 60s", with: "duration: 0s"))
        defer { f.close() }
        _ = try await f.runtime.trigger("ops", runID: "r1", params: [:], trigger: .manual, actor: "test")
        #expect(try await f.runtime.drive(until: "r1") == .failed)
        var run = f.runtime.state.runs["r1"]
        #expect(try task(run, "load").status == .failed && task(run, "check").status == .skipped)
        // The final failure and the failed run each raised an alert naming the workflow's webhook.
        let alerts = f.runtime.state.pendingAlerts.values.sorted { $0.seq < $1.seq }
        #expect(alerts.map(\.kind) == [.taskFailed, .runFailed])
        #expect(alerts.first?.task == "load" && alerts.first?.targets == ["oncall"] && alerts.first?.attempts == 1)

        let result = try await f.runtime.clearTask("r1", task: "load", mode: .retry, reason: "fixed", actor: "api:ops")
        #expect(result.tasks == ["load", "check"])
        run = f.runtime.state.runs["r1"]
        #expect(run?.outcome == nil && run?.finishedAtMicros == nil)
        #expect(try task(run, "load").status != .failed && task(run, "check").status == .pending)
        #expect(try await f.runtime.drive(until: "r1") == .succeeded)
        run = f.runtime.state.runs["r1"]
        #expect(try task(run, "load").attempt == 2 && task(run, "load").platformRunIDs.count == 2)
        #expect(try task(run, "extract").attempt == 1 && task(run, "check").status == .succeeded)
        let claims = try kinds(f.log).compactMap { $0.event.taskClaimed.task == "load" ? $0.event.taskClaimed.idempotencyKey : nil }
        #expect(claims == ["r1/load/1", "r1/load/2"])
        let cleared = try kinds(f.log).first { $0.kind == "TasksCleared" }?.event
        #expect(cleared?.actor == "api:ops" && cleared?.tasksCleared.mode == .retry)
        try expectReplayAgrees(f)
    }

    @Test func refusalsNameWhatIsInTheWayAndClearResetsASucceededTask() async throws {
        let f = try await fixture(OperatorTests.workflow.replacingOccurrences(of: "duration: 60s", with: "duration: 0s"))
        defer { f.close() }
        _ = try await f.runtime.trigger("ops", runID: "r1", params: [:], trigger: .manual, actor: "test")
        _ = try await f.runtime.drive(until: "r1")
        let missing = await refusal { _ = try await f.runtime.clearTask("nope", task: "load", mode: .retry, reason: "", actor: "t") }
        #expect(missing?.description.hasPrefix("find run nope") == true)
        let succeeded = conflictReason(await refusal { _ = try await f.runtime.clearTask("r1", task: "extract", mode: .retry, reason: "", actor: "t") })
        #expect(succeeded?.contains("extract") == true && succeeded?.contains("succeeded") == true, "\(String(describing: succeeded))")
        let unknown = await refusal { _ = try await f.runtime.clearTask("r1", task: "ghost", mode: .clear, reason: "", actor: "t") }
        #expect(unknown?.description == "find task ghost in run r1: the run's definition has no such task")
        let before = try kinds(f.log).count
        // Clearing the root resets every task below it; the other branch keeps its outcomes.
        let result = try await f.runtime.clearTask("r1", task: "extract", mode: .clear, reason: "", actor: "t")
        #expect(result.tasks == ["extract", "load", "check"])
        #expect(try task(f.runtime.state.runs["r1"], "slow").status == .succeeded)
        // While extract is queued again, clearing it once more is refused.
        let queued = conflictReason(await refusal { _ = try await f.runtime.clearTask("r1", task: "extract", mode: .clear, reason: "", actor: "t") })
        #expect(queued?.contains("queued") == true, "\(String(describing: queued))")
        #expect(try await f.runtime.drive(until: "r1") == .succeeded)
        let run = f.runtime.state.runs["r1"]
        // load's second attempt succeeds (its outcome list), each task under a new attempt number.
        #expect(try task(run, "extract").attempt == 2 && task(run, "load").attempt == 2 && task(run, "slow").attempt == 1)
        #expect(try kinds(f.log).count > before)
        try expectReplayAgrees(f)
    }

    @Test func cancelStopsRunningWorkAndFinishesTheRunCancelled() async throws {
        let f = try await fixture()
        defer { f.close() }
        _ = try await f.runtime.trigger("ops", runID: "r1", params: [:], trigger: .manual, actor: "test")
        let driver = Task { try await f.runtime.drive(until: "r1") }
        // Wait until the 60 s task runs on the platform (a ceiling of two minutes, for a loaded machine).
        for _ in 0..<24_000 {
            if try task(f.runtime.state.runs["r1"], "slow").status == .running { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(try task(f.runtime.state.runs["r1"], "slow").status == .running)
        let result = try await f.runtime.cancelRun("r1", reason: "bad upstream data", actor: "api:ops")
        #expect(result.changed)
        #expect(try await driver.value == .cancelled)
        let run = f.runtime.state.runs["r1"]
        #expect(run?.outcome == .cancelled)
        #expect(try task(run, "slow").status == .cancelled && task(run, "tail").status == .cancelled)
        #expect(run?.tasks.allSatisfy { $0.status.isTerminal } == true)
        // The slot is free again and the queue holds nothing of the run.
        #expect(f.runtime.state.connections["simc"]?.inFlight == 0 && f.runtime.state.active.isEmpty)
        let events = try kinds(f.log)
        #expect(events.contains { $0.kind == "TaskCancelRequested" && $0.event.taskCancelRequested.task == "slow" })
        #expect(events.first { $0.kind == "RunCancelRequested" }?.event.actor == "api:ops")
        // A cancel is not a failure: no alert.
        #expect(f.runtime.state.pendingAlerts.isEmpty)
        let finished = conflictReason(await refusal { _ = try await f.runtime.cancelRun("r1", reason: "", actor: "t") })
        #expect(finished?.contains("already finished") == true, "\(String(describing: finished))")
        try expectReplayAgrees(f)
    }

    @Test func aCancelledRunCanBeRetriedFromACancelledTask() async throws {
        let f = try await fixture()
        defer { f.close() }
        _ = try await f.runtime.trigger("ops", runID: "r1", params: [:], trigger: .manual, actor: "test")
        // No dispatcher runs: every task is cancelled where it waits.
        _ = try await f.runtime.cancelRun("r1", reason: "", actor: "t")
        var run = f.runtime.state.runs["r1"]
        #expect(run?.outcome == .cancelled && run?.cancelReason == "cancelled by t")
        #expect(f.runtime.state.connections["simc"]?.queueDepth == 0)
        let result = try await f.runtime.clearTask("r1", task: "tail", mode: .retry, reason: "", actor: "t")
        #expect(result.tasks == ["tail"])
        run = f.runtime.state.runs["r1"]
        // tail's upstream slow stays cancelled (failed for the edges), so tail is skipped and the run ends again.
        #expect(run?.cancelReason == nil && run?.outcome == .failed)
        #expect(try task(run, "tail").status == .skipped && task(run, "slow").status == .cancelled)
        try expectReplayAgrees(f)
    }

    /// The decider alone, fed by hand: a claim whose submit is released (a throttle) while its
    /// run is being cancelled is cancelled, never claimed again in the same decision, and the
    /// downstream task cancelled earlier stays owed nothing (so snapshot + tail equals replay).
    @Test func aReleasedClaimOfACancelledRunIsCancelledNotClaimedAgain() throws {
        var fed = try HandFed("pair", "name: pair\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  a: {}\n  b: { after: [a] }\n")
        try fed.apply(fed.decide())  // a queued
        let claim = fed.decide()
        #expect(claim.map(\.kindName) == ["TaskClaimed"])
        try fed.apply(claim)
        try fed.apply([EventFactory.runCancelRequested("r", reason: "stop", actor: "t")])
        // a's submit is in flight: only b is cancelled, and the run waits for a.
        let first = fed.decide()
        #expect(first.map(\.kindName) == ["TaskCancelled"] && first.first?.taskCancelled.task == "b")
        try fed.apply(first)
        // The submit was throttled: the claim is released and a is queued again.
        try fed.apply([EventFactory.taskQueued("r", "a", attempt: 1)])
        let second = fed.decide()
        #expect(second.map(\.kindName) == ["TaskCancelled", "RunFinished"], "\(second.map(\.kindName))")
        try fed.apply(second)
        #expect(fed.state.runs["r"]?.outcome == .cancelled && fed.state.connections["simc"]?.queueDepth == 0 && fed.state.active.isEmpty)
        #expect(fed.decide().isEmpty)
        #expect(try SnapshotCodec.decode(SnapshotCodec.encode(fed.state)) == fed.state)
    }

    /// A dispatcher's own capacity (`--concurrency`) caps its claims beside the connection's limit.
    @Test func aDispatcherClaimsNoMoreThanItsCapacity() throws {
        var fed = try HandFed("fan", "name: fan\nconnections:\n  simc: { platform: sim, max_in_flight: 3 }\ndefaults: { connection: simc }\ntasks:\n  a: {}\n  b: {}\n  c: {}\n")
        func claims(_ dispatcher: String, capacity: Int?) -> [Baton_V1_Event] {
            fed.decide(dispatcher, capacity: capacity).filter { $0.kindName == "TaskClaimed" }
        }
        try fed.apply(fed.decide(nil))  // a, b, c queued
        #expect(claims("x", capacity: nil).count == 3)
        let first = claims("x", capacity: 2)
        #expect(first.count == 2)
        try fed.apply(first)
        // x holds two: it may claim nothing more; another dispatcher takes the connection's last slot.
        #expect(claims("x", capacity: 2).isEmpty)
        #expect(claims("y", capacity: 2).count == 1)
        // A dispatcher that took over x's two claims (x went away) holds them: with capacity 2 it claims nothing.
        let keys = Set(first.map(\.taskClaimed.idempotencyKey))
        #expect(fed.decide("y", capacity: 2, adopted: keys).filter { $0.kindName == "TaskClaimed" }.isEmpty)
        #expect(fed.decide("y", capacity: 3, adopted: keys).filter { $0.kindName == "TaskClaimed" }.count == 1)
    }
}

/// A projection fed by hand: events applied one sequence number at a time, decisions asked of the decider.
private struct HandFed {
    var state = EngineState()
    var seq: UInt64 = 0

    /// A state with workflow `text` (named `name`) registered and its run `r` created.
    init(_ name: String, _ text: String) throws {
        try apply([EventFactory.workflowRegistered(name, hash: [7], definition: text, sourcePath: "\(name).yaml", actor: "t"),
                   EventFactory.runCreated("r", workflow: name, hash: [7], params: [:], logicalDate: 0, trigger: .manual, actor: "t")])
    }

    mutating func apply(_ events: [Baton_V1_Event]) throws {
        for event in events {
            seq += 1
            try state.apply(event, seq: seq, timeMicros: Int64(seq) * 1_000)
        }
    }

    func decide(_ dispatcher: String? = "d", capacity: Int? = nil, adopted: Set<String> = []) -> [Baton_V1_Event] {
        Decider.decide(state, DecisionContext(now: Int64(seq + 1) * 1_000, dispatcherID: dispatcher, dispatcherCapacity: capacity, adoptedClaims: adopted))
    }
}
