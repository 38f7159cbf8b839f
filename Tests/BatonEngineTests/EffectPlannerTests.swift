@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Testing

/// Effects follow from the commit that called for them, not from a state that moved on since.
@Suite struct EffectPlannerTests {
    static let workflow = "name: one\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  a: { outcome: [failure, success] }\n  b: { after: [a] }\n"

    /// A runtime over a fresh log with run `r` of the workflow created and its first task claimed.
    private func claimedRun(_ dir: TemporaryDirectory) async throws -> (EventLog, Runtime, EngineCore.CommitResult) {
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.appending("log"), clock: clock)
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "t", snapshotEveryEvents: 0))
        _ = try await runtime.createRun(try WorkflowLoader.parse(Self.workflow, file: "one.yaml"), runID: "r", params: [:],
                                        logicalDateMicros: 0, sourcePath: "one.yaml", actor: "test")
        return (log, runtime, try await runtime.commitStep([]))
    }

    /// A claim whose task was reset by an operator before the loop planned its submit: the old
    /// claim calls for nothing (the planner used to render and submit it from the reset task).
    @Test func aClaimOvertakenByAClearIsNotSubmitted() async throws {
        let dir = TemporaryDirectory("planner")
        defer { dir.remove() }
        let (log, runtime, claim) = try await claimedRun(dir)
        defer { log.close() }
        let claimed = claim.events.filter { $0.kindName == "TaskClaimed" }
        try #require(claimed.count == 1)
        var planner = EffectPlanner(dispatcherID: "t")
        // Planned from its own commit, the claim is a submit of attempt 1.
        let planned = planner.effects(after: claimed, claim.state, runtime: runtime)
        guard case .submit(let work)? = planned.first, planned.count == 1 else { Issue.record("expected one submit, got \(planned)"); return }
        #expect(work.attempt == 1 && work.key == "r/a/1")

        // The attempt fails for good, an operator clears the task, and only then is the old claim looked at.
        _ = try await runtime.commitStep([EventFactory.taskDispatched("r", "a", attempt: 1, connection: "simc", platformRunID: "x"),
                                          EventFactory.taskFailed("r", "a", attempt: 1, errorClass: .task, message: "no", retryable: false)])
        _ = try await runtime.clearTask("r", task: "a", mode: .retry, reason: "again", actor: "test")
        var late = EffectPlanner(dispatcherID: "t")
        #expect(late.effects(after: claimed, runtime.state, runtime: runtime).isEmpty)
    }

    @Test func aCommitReturnsTheStateRightAfterItsOwnEvents() async throws {
        let dir = TemporaryDirectory("planner-state")
        defer { dir.remove() }
        let (log, runtime, claim) = try await claimedRun(dir)
        defer { log.close() }
        #expect(claim.state.lastSeq == (try log.head()))
        _ = try await runtime.cancelRun("r", reason: "stop", actor: "test")
        #expect(runtime.state.lastSeq > claim.state.lastSeq)
        let task = try #require(claim.state.runs["r"]?.tasks.first)
        #expect(task.status == .claimed && task.attempt == 1)
    }
}
