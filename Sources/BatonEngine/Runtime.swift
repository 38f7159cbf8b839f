public import BatonLog
public import BatonModel
public import BatonState
public import BatonEvents
import BatonPlatforms
import Crypto
import Logging
import Synchronization

/// The effectful shell: appends what the decider returns, calls platforms, and appends what they
/// answered. It decides nothing itself.
public final class Runtime: Sendable {
    let core: EngineCore
    let platforms: PlatformSet
    let clock: any EngineClock
    let options: RuntimeOptions
    /// Masks the secret values this runtime renders in what the platforms answer.
    let redactor: SecretRedactor
    /// Fetches secrets from the remote stores at dispatch; nil without any.
    let secretResolver: SecretResolver?
    /// The inbox of the loop running now, so work appended outside it can wake it.
    private let loopInbox = Mutex<Inbox?>(nil)

    /// A runtime over an open log.
    public init(log: EventLog, platforms: PlatformSet, clock: any EngineClock, options: RuntimeOptions) {
        self.core = EngineCore(log: log)
        self.platforms = platforms
        self.clock = clock
        self.options = options
        let redactor = SecretRedactor(secrets: options.secrets)
        self.redactor = redactor
        self.secretResolver = options.secretStores.isEmpty ? nil
            : SecretResolver(stores: options.secretStores, ttl: options.secretTTL, clock: clock) { redactor.learn([$0]) }
    }

    /// This process's dispatcher identity, recorded in its claims.
    public var dispatcherID: String { options.dispatcherID }

    /// The log this runtime appends to.
    public var log: EventLog { core.log }

    /// The projection as of the last commit or catch-up.
    public var state: EngineState { core.state }

    /// Start-up recovery: the newest snapshot that verifies plus the tail of the log (or the
    /// whole log with `useSnapshots: false`). Returns the snapshots skipped because they did not
    /// verify, with the reason; they are never trusted.
    /// - Throws: `EngineError.corruptHistory` when an event does not decode or apply.
    @discardableResult
    public func recover(useSnapshots: Bool = true) throws(EngineError) -> [String] { try core.catchUp(useSnapshots: useSnapshots) }

    /// Writes a snapshot of every projection as of the log's head into the data directory, so
    /// the next start-up replays only what comes after it. Returns its sequence number.
    /// - Throws: `EngineError`.
    public func writeSnapshot() async throws(EngineError) -> UInt64 { try await core.writeSnapshot() }

    /// Registers `workflow` as the newest version of its name unless it already is; returns
    /// whether a `WorkflowRegistered` was appended.
    /// - Throws: `EngineError`.
    public func register(_ workflow: Workflow, sourcePath: String, actor: String) async throws(EngineError) -> Bool {
        let hash = Array(SHA256.hash(data: Array(workflow.source.utf8)))
        return try await commitRegistration(EventFactory.workflowRegistered(workflow.name, hash: hash, definition: workflow.source,
                                                                            sourcePath: sourcePath, actor: actor))
    }

    /// Puts `registry` in force for every workflow, run and process on this data directory unless
    /// it already is; returns whether a `ConnectionsRegistered` was appended.
    /// - Throws: `EngineError`.
    public func register(connections registry: ConnectionRegistry, actor: String) async throws(EngineError) -> Bool {
        let hash = Array(SHA256.hash(data: Array(registry.source.utf8)))
        return try await commitRegistration(EventFactory.connectionsRegistered(hash: hash, definition: registry.source,
                                                                               sourcePath: registry.file, actor: actor))
    }

    /// Commits one registration; true when admission let it through (its version was new).
    private func commitRegistration(_ registration: Baton_V1_Event) async throws(EngineError) -> Bool {
        let result = try await commitOutsideLoop([registration])
        return result.events.contains { $0.body == registration.body }
    }

    /// Creates run `runID` (for `interval`, when given: a backfill) of the newest registered definition of `workflowName`, unless a run
    /// with that ID exists (the ID is the idempotency key: asking twice creates one run).
    /// Returns whether it was created now. Whoever serves the data directory runs it.
    /// - Throws: `EngineError.unknownWorkflow`, `.runIDConflict` when the ID belongs to another
    ///   workflow, or a log failure.
    public func trigger(_ workflowName: String, runID: String, params: [String: String], trigger: Baton_V1_Trigger,
                        interval: FirePlan.Interval? = nil, actor: String) async throws(EngineError) -> Bool {
        try catchUpAndWake()
        let state = core.state
        guard let hash = state.latestDefinition[workflowName], let definition = state.definitions[hash] else { throw .unknownWorkflow(workflowName) }
        if let problem = definition.undeclaredParamsProblem(params) { throw .invalidRequest(problem) }
        if let existing = state.runs[runID] {
            guard existing.workflow.name == workflowName else {
                throw .runIDConflict(runID: runID, existingWorkflow: existing.workflow.name, requestedWorkflow: workflowName)
            }
            return false
        }
        let now = clock.nowMicros()
        let creation = EventFactory.runCreated(runID, workflow: workflowName, hash: Self.bytes(hex: hash), params: params,
                                               logicalDate: interval?.logicalDateMicros ?? now, intervalEnd: interval?.endMicros,
                                               trigger: trigger, actor: actor)
        let result = try await commitOutsideLoop([creation])
        // Another trigger of the same ID may have won inside the lock (admission then refused
        // this RunCreated): the run's owner decides, as before the commit. Read from the
        // commit's own state, which holds the run whichever trigger created it.
        guard let run = result.state.runs[runID] else { throw .unknownRun(runID) }
        guard run.workflow.name == workflowName else {
            throw .runIDConflict(runID: runID, existingWorkflow: run.workflow.name, requestedWorkflow: workflowName)
        }
        return result.events.contains { $0.runID == runID && $0.kindName == "RunCreated" }
    }

    /// Registers `workflow` (when its content is new) and creates run `runID` (when it does not
    /// exist yet). Returns whether the run was created now.
    /// - Throws: `EngineError.runIDConflict` when the ID belongs to a run of another workflow.
    public func createRun(_ workflow: Workflow, runID: String, params: [String: String], logicalDateMicros: Int64,
                          sourcePath: String, actor: String) async throws(EngineError) -> Bool {
        if let problem = workflow.undeclaredParamsProblem(params) { throw .invalidRequest(problem) }
        let hash = Array(SHA256.hash(data: Array(workflow.source.utf8)))
        let registration = EventFactory.workflowRegistered(workflow.name, hash: hash, definition: workflow.source, sourcePath: sourcePath, actor: actor)
        let creation = EventFactory.runCreated(runID, workflow: workflow.name, hash: hash, params: params, logicalDate: logicalDateMicros,
                                               trigger: .manual, actor: actor)
        let result = try await core.commit([registration, creation]) { now in DecisionContext(now: now, scanDeadlines: false) }
        guard let run = result.state.runs[runID] else { throw .unknownRun(runID) }
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
        try await loop(progress: progress) { state in
            guard let run = state.runs[runID] else { throw EngineError.unknownRun(runID) }
            return run.outcome
        }
    }

    /// Claims and dispatches work of every run (on `connections`, or all) until cancelled: the
    /// loop of a separate `baton dispatch` process sharing the data directory with others.
    /// - Throws: `EngineError`, or `CancellationError` when cancelled.
    public func serve(progress: @Sendable (EngineState) -> Void = { _ in }) async throws {
        _ = try await loop(progress: progress) { _ in nil }
    }

    /// The runtime loop: commit what came in, start the effects it calls for, wait for the next
    /// answer, timer or foreign append.
    private func loop(progress: @Sendable (EngineState) -> Void, done: (EngineState) throws -> RunState.Outcome?) async throws -> RunState.Outcome {
        // Stop requests run in their own group, which is awaited before the loop returns: a run
        // whose last task timed out is finished in the same commit that owes the stop, and the
        // process may exit right after (`baton run`), so the stop must not be cancelled with
        // the polls.
        // Both groups discard finished children: a host that runs for months must not keep one
        // result per poll, timer and stop it ever started. A child that threw would cancel the
        // loop and replace its outcome, so children end quietly: the only thing they throw is
        // the CancellationError of a sleep cut short when the loop ends.
        try await withThrowingDiscardingTaskGroup { stops in
        try await withThrowingDiscardingTaskGroup { group in
            let inbox = Inbox()
            loopInbox.withLock { $0 = inbox }
            defer { loopInbox.withLock { $0 = nil } }
            var waiter = inbox.waiter()
            var planner = EffectPlanner(dispatcherID: options.dispatcherID, servedConnections: options.servedConnections)
            var timerAt: Int64?
            defer { group.cancelAll() }
            for effect in planner.reconciliation(core.state, runtime: self) {
                group.addTask { [self] in try? await perform(effect, inbox: inbox) }
            }
            group.addTask { [self] in try? await watchForeignAppends(inbox) }
            var snapshots = SnapshotCadence(lastSeq: (try? core.log.snapshotSeqs().first) ?? 0, lastMicros: clock.nowMicros(), options: options)
            var diskFull = DiskFullPause(max: options.diskFullRetryMax)
            for _ in 0..<Int.max {
                try Task.checkCancellation()
                let result = try await commitNext(inbox, adopted: planner.adopted, &diskFull)
                try await writeSnapshotIfDue(&snapshots, now: result.timeMicros, diskFull)
                let state = core.state
                progress(state)
                var effects = planner.effects(after: result.events, result.state, runtime: self)
                let outcome = try done(state)
                if outcome == nil { effects += planner.orphans(state, now: result.timeMicros, runtime: self) }
                for effect in effects {
                    if case .cancel(let work, let id) = effect {
                        stops.addTask { [self] in await cancel(work, id) }
                    } else if outcome == nil {
                        group.addTask { [self] in try? await perform(effect, inbox: inbox) }
                    }
                }
                if let outcome { return outcome }
                if let next = Decider.nextDeadline(state, now: result.timeMicros), next != timerAt {
                    timerAt = next
                    group.addTask { [clock] in
                        guard (try? await clock.sleep(untilMicros: next)) != nil else { return }
                        inbox.wake()
                    }
                }
                if !inbox.hasPending { _ = await waiter.next() }
            }
            preconditionFailure("runtime loop ended")
        }
        }
    }

    /// Commits what the inbox holds. A full disk ends the loop with its error, unless the options
    /// say to wait it out: then nothing of the commit was written, the answers go back into the
    /// inbox and the commit is tried again after a pause.
    private func commitNext(_ inbox: Inbox, adopted: Set<String>, _ diskFull: inout DiskFullPause) async throws -> EngineCore.CommitResult {
        let waits = diskFull.waits
        for _ in 0..<Int.max {
            let observations = inbox.take()
            do {
                let result = try await commitStep(observations, adopted: adopted)
                diskFull.recovered(logger: options.logger)
                return result
            } catch {
                // Matched in the body: this typed pattern in the catch clause crashes the Swift 6.3 compiler.
                guard waits, case .log(.diskFull(let path)) = error else { throw error }
                inbox.putBack(observations)
                let pause = diskFull.failed(path: path, logger: options.logger)
                try await clock.sleep(untilMicros: clock.nowMicros() + EngineState.micros(pause))
            }
        }
        preconditionFailure("commit retries exhausted")
    }

    /// Writes the snapshot the cadence calls for; on a full disk that is waited out, it is
    /// skipped for a period (a snapshot only shortens start-up).
    private func writeSnapshotIfDue(_ snapshots: inout SnapshotCadence, now: Int64, _ diskFull: DiskFullPause) async throws {
        let head = core.state.lastSeq
        guard snapshots.isDue(head: head, now: now) else { return }
        do {
            snapshots.wrote(seq: try await core.writeSnapshot(), now: now)
        } catch EngineError.log(.diskFull) where diskFull.waits {
            snapshots.wrote(seq: head, now: now)
        }
    }

    /// Catches the projection up to the log outside the loop. When that takes in events another
    /// process appended, the loop is woken: its watcher compares the head with this projection,
    /// so it would otherwise never learn of them (a run triggered elsewhere would wait forever).
    func catchUpAndWake() throws(EngineError) {
        let before = core.state.lastSeq
        try core.catchUp()
        if core.state.lastSeq > before { wake() }
    }

    /// Appends `events` that still apply, with what the decider then owes (claiming nothing), from
    /// outside the loop, then wakes the loop: the commit also caught up with other processes'
    /// appends, and the loop must look at them and at what was appended.
    func commitOutsideLoop(_ events: [Baton_V1_Event]) async throws(EngineError) -> EngineCore.CommitResult {
        let result = try await core.commit(events) { now in DecisionContext(now: now, scanDeadlines: false) }
        wake()
        return result
    }

    /// Wakes the running loop (if any) to look at the log: after this process appended outside it.
    public func wake() { loopInbox.withLock { $0?.wake() } }

    /// Wakes the loop when another process appended to the log (the in-process head watch only
    /// sees this process's own commits).
    private func watchForeignAppends(_ inbox: Inbox) async throws {
        var seen = core.state.lastSeq
        for _ in 0..<Int.max {
            try await clock.sleep(untilMicros: clock.nowMicros() + EngineState.micros(options.foreignPollInterval))
            let head = (try? core.log.head()) ?? seen
            if head > seen && head > core.state.lastSeq { inbox.wake() }
            seen = max(seen, head)
        }
    }

    /// Appends `observations` that still apply and everything the decider then owes, claiming
    /// work for this dispatcher, in one durable transaction.
    func commitStep(_ observations: [Baton_V1_Event], adopted: Set<String> = []) async throws(EngineError) -> EngineCore.CommitResult {
        // Observations carry platform text, which may quote a rendered secret.
        try await core.commit(observations.map(redactor.redact)) { [options] now in
            DecisionContext(now: now, dispatcherID: options.dispatcherID, servedConnections: options.servedConnections,
                            claimsMax: options.claimsPerCommitMax, leaseMicros: EngineState.micros(options.claimLease),
                            dispatcherCapacity: options.concurrency, adoptedClaims: adopted)
        }
    }

    /// Carries out one effect; what it learns is posted to `inbox`.
    func perform(_ effect: Effect, inbox: Inbox) async throws {
        switch effect {
        case .submit(let work): await submit(work, inbox: inbox)
        case .poll(let work, let id, let reconciling): try await poll(work, runID: id, reconciling: reconciling, inbox: inbox)
        case .reconcileClaim(let work): await reconcileClaim(work, inbox: inbox)
        case .cancel(let work, let id): await cancel(work, id)
        }
    }
}

/// How the loop waits out a full disk: pauses that double from `first` up to `max`, reported once
/// when it starts and once when space returns.
struct DiskFullPause {
    static let first: Duration = .milliseconds(100)
    let max: Duration?
    private var next: Duration = Self.first
    private var failures = 0

    init(max: Duration?) { self.max = max }

    /// Whether a full disk is waited out at all.
    var waits: Bool { max != nil }

    /// A commit failed for lack of space; returns how long to wait before the next try.
    mutating func failed(path: String, logger: Logger) -> Duration {
        if failures == 0 {
            logger.error("no space left on device for the log; waiting for space, nothing new is claimed",
                         metadata: ["log": "\(path)"])
        }
        failures += 1
        let pause = next
        next = Swift.min(next * 2, max ?? Self.first)
        return pause
    }

    /// A commit went through.
    mutating func recovered(logger: Logger) {
        guard failures > 0 else { return }
        logger.notice("space for the log is back; carrying on", metadata: ["failed_commits": "\(failures)"])
        failures = 0
        next = Self.first
    }
}

/// When the runtime writes its next snapshot: every `snapshotEveryEvents` events, or after
/// `snapshotEvery` when anything was appended, so start-up replays a bounded tail.
struct SnapshotCadence {
    private(set) var lastSeq: UInt64
    private(set) var lastMicros: Int64
    let everyEvents: UInt64
    let everyMicros: Int64

    init(lastSeq: UInt64, lastMicros: Int64, options: RuntimeOptions) {
        self.lastSeq = lastSeq
        self.lastMicros = lastMicros
        everyEvents = options.snapshotEveryEvents
        everyMicros = EngineState.micros(options.snapshotEvery)
    }

    func isDue(head: UInt64, now: Int64) -> Bool {
        guard everyEvents > 0, head > lastSeq else { return false }
        return head - lastSeq >= everyEvents || now - lastMicros >= everyMicros
    }

    mutating func wrote(seq: UInt64, now: Int64) {
        lastSeq = seq + 1
        lastMicros = now
    }
}
