public import BatonLog
public import BatonModel
public import BatonState
import BatonEvents
import BatonPlatforms
import Crypto

/// The effectful shell: appends what the decider returns, calls platforms, and appends what they
/// answered. It decides nothing itself.
public final class Runtime: Sendable {
    let core: EngineCore
    let platforms: PlatformSet
    let clock: any EngineClock
    let options: RuntimeOptions

    /// A runtime over an open log.
    public init(log: EventLog, platforms: PlatformSet, clock: any EngineClock, options: RuntimeOptions) {
        self.core = EngineCore(log: log)
        self.platforms = platforms
        self.clock = clock
        self.options = options
    }

    /// The projection as of the last commit or catch-up.
    public var state: EngineState { core.state }

    /// Reads the log up to its head into the projection (start-up recovery).
    /// - Throws: `EngineError.corruptHistory` when an event does not decode or apply.
    public func recover() throws(EngineError) { try core.catchUp() }

    /// Registers `workflow` (when its content is new) and creates run `runID` (when it does not
    /// exist yet). Returns whether the run was created now.
    /// - Throws: `EngineError.runIDConflict` when the ID belongs to a run of another workflow.
    public func createRun(_ workflow: Workflow, runID: String, params: [String: String], logicalDateMicros: Int64,
                          sourcePath: String, actor: String) async throws(EngineError) -> Bool {
        let hash = Array(SHA256.hash(data: Array(workflow.source.utf8)))
        let registration = EventFactory.workflowRegistered(workflow.name, hash: hash, definition: workflow.source, sourcePath: sourcePath, actor: actor)
        let creation = EventFactory.runCreated(runID, workflow: workflow.name, hash: hash, params: params, logicalDate: logicalDateMicros,
                                               trigger: .manual, actor: actor)
        let result = try await core.commit([registration, creation]) { now in DecisionContext(now: now, scanDeadlines: false) }
        guard let run = core.state.runs[runID] else { throw .unknownRun(runID) }
        guard run.workflow.name == workflow.name else {
            throw .runIDConflict(runID: runID, existingWorkflow: run.workflow.name, requestedWorkflow: workflow.name)
        }
        return result.events.contains { $0.runCreated.workflow == workflow.name && $0.runID == runID && $0.kindName == "RunCreated" }
    }

    /// Dispatches and watches work until run `runID` has finished; returns how it ended.
    /// `progress` is called after every commit. Cancelling the calling task stops claiming and
    /// returns; work already on the platforms keeps running and is reconciled next time.
    /// - Throws: `EngineError`, or `CancellationError` when cancelled.
    public func drive(until runID: String, progress: @Sendable (EngineState) -> Void = { _ in }) async throws -> RunState.Outcome {
        try await withThrowingTaskGroup(of: Void.self) { group in
            let inbox = Inbox()
            var waiter = inbox.waiter()
            var watched = Watched()
            var timerAt: Int64?
            defer { group.cancelAll() }
            reconcile(core.state, into: &group, inbox: inbox, watched: &watched)
            for _ in 0..<Int.max {
                try Task.checkCancellation()
                let result = try await core.commit(inbox.take()) { [options] now in
                    DecisionContext(now: now, dispatcherID: options.dispatcherID, claimsMax: options.claimsPerCommitMax)
                }
                let state = core.state
                progress(state)
                guard let run = state.runs[runID] else { throw EngineError.unknownRun(runID) }
                if let outcome = run.outcome { return outcome }
                act(on: result.events, state, into: &group, inbox: inbox, watched: &watched)
                if let next = Decider.nextDeadline(state, now: result.timeMicros), next != timerAt {
                    timerAt = next
                    group.addTask { [clock] in
                        try await clock.sleep(untilMicros: next)
                        inbox.wake()
                    }
                }
                if !inbox.hasPending { _ = await waiter.next() }
            }
            preconditionFailure("runtime loop ended")
        }
    }

    /// Starts the effects that the events of one commit call for.
    private func act(on events: [Baton_V1_Event], _ state: EngineState, into group: inout ThrowingTaskGroup<Void, any Error>,
                     inbox: Inbox, watched: inout Watched) {
        for event in events {
            switch event.body {
            case .taskClaimed(let e) where e.dispatcherID == options.dispatcherID:
                guard watched.submits.insert(e.idempotencyKey).inserted, let work = attempt(state, event.runID, e.task) else { continue }
                group.addTask { [self] in await submit(work, inbox: inbox) }
            case .taskDispatched(let e):
                let key = Decider.idempotencyKey(event.runID, e.task, e.attempt)
                guard watched.polls.insert(key).inserted, let work = attempt(state, event.runID, e.task) else { continue }
                group.addTask { [self] in try await poll(work, runID: PlatformRunID(e.platformRunID), reconciling: false, inbox: inbox) }
            case .taskTimedOut(let e):
                guard let work = attempt(state, event.runID, e.task), let last = work.platformRunID else { continue }
                group.addTask { [self] in await cancel(work, PlatformRunID(last)) }
            default:
                continue
            }
        }
    }

    /// Start-up reconciliation: every attempt the log says is claimed or running is asked about
    /// on its platform, by run ID or by idempotency key.
    private func reconcile(_ state: EngineState, into group: inout ThrowingTaskGroup<Void, any Error>, inbox: Inbox, watched: inout Watched) {
        for ref in state.active.sorted(by: { ($0.run, $0.index) < ($1.run, $1.index) }) {
            guard let run = state.runs[ref.run], let work = attempt(state, ref.run, run.graph.names[ref.index]) else { continue }
            if work.status == .running, let id = work.platformRunID {
                watched.polls.insert(work.key)
                group.addTask { [self] in try await poll(work, runID: PlatformRunID(id), reconciling: true, inbox: inbox) }
            } else {
                watched.submits.insert(work.key)
                group.addTask { [self] in await reconcileClaim(work, inbox: inbox) }
            }
        }
    }

    /// Keys of attempts this process already submits or polls, so none is handled twice.
    private struct Watched {
        var submits: Set<String> = []
        var polls: Set<String> = []
    }
}
