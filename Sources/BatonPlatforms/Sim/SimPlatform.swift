import Synchronization

/// A deterministic simulated platform for dry runs, tests and benchmarks.
///
/// A run lasts the job's `duration` on the injected clock, then ends as its `outcome` says for
/// the attempt (`SimScript`). Submissions are idempotent by key. Faults come from a seeded
/// generator (`SimFaults`), so the same seed and the same call order replay the same faults.
/// Thread-safe: all state sits in one mutex; every call is O(1) except the audit accessors.
public final class SimPlatform: Platform {
    /// The most runs one instance records; beyond it submits throw `.transient` (a bound, not a
    /// behaviour tests rely on).
    public static let runsMax = 10_000_000

    private let clock: any SimClock
    private let faults: SimFaults
    // Internal so the audit extension can read it.
    let state: Mutex<SimState>

    /// Makes an empty simulated platform.
    public init(clock: any SimClock, faults: SimFaults = .none) {
        self.clock = clock
        self.faults = faults
        self.state = Mutex(SimState(seed: faults.seed))
    }

    public var capabilities: PlatformCapabilities {
        PlatformCapabilities(canLookUpByKey: true, canCancel: true, pendingByKeyIsUnstarted: true)
    }

    /// Records a run for the key (or finds the one already recorded) and returns its ID.
    /// - Throws: injected `.transient` (submit error or lost answer) and `.throttled`;
    ///   `.transient` when `runsMax` runs are recorded.
    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        let now = clock.nowMicros()
        let decision = state.withLock { state in
            Self.decideSubmit(request, now: now, faults: faults, state: &state)
        }
        switch decision {
        case .accepted(let id): return id
        case .failed(let error): throw error
        }
    }

    /// The run recorded under `idempotencyKey`, or nil.
    /// - Throws: injected `.transient` (status error rate).
    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        let now = clock.nowMicros()
        let result: Result<PlatformRunStatus?, PlatformError> = state.withLock { state in
            if state.random.chance(faults.statusErrorRate) {
                return .failure(.transient("sim: injected error looking up key \(idempotencyKey)"))
            }
            guard let id = state.runIDsByKey[idempotencyKey], let run = state.runs[id] else { return .success(nil) }
            return .success(PlatformRunStatus(runID: id, state: run.state(at: now)))
        }
        return try result.get()
    }

    /// The run's state at the clock's current time.
    /// - Throws: `.notFound` for an unknown ID; injected `.transient` (status error rate).
    public func status(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        let now = clock.nowMicros()
        let result: Result<PlatformRunStatus, PlatformError> = state.withLock { state in
            if state.random.chance(faults.statusErrorRate) {
                return .failure(.transient("sim: injected error reading status of \(run)"))
            }
            // A run this instance did not submit (another process, or before a restart) is
            // answered from its ID, which spells out its times and outcome.
            guard var record = state.runs[run] ?? SimRunID(parsing: run)?.run(id: run) else {
                return .failure(.notFound("sim: status of unknown run \(run)"))
            }
            if state.cancelledForeignRuns.contains(run) { record.cancelled = true }
            return .success(PlatformRunStatus(runID: run, state: record.state(at: now)))
        }
        return try result.get()
    }

    /// Cancels a run still running; a finished run keeps its outcome.
    /// - Throws: `.notFound` for an unknown ID.
    public func cancel(_ run: PlatformRunID) async throws(PlatformError) {
        let now = clock.nowMicros()
        let found = state.withLock { state -> Bool in
            guard var record = state.runs[run] ?? SimRunID(parsing: run)?.run(id: run) else { return false }
            // Remembered by this instance only: the sim keeps no state outside the process.
            if record.state(at: now) == .running {
                record.cancelled = true
                if state.runs[run] != nil {
                    state.runs[run] = record
                } else if state.cancelledForeignRuns.count < Self.runsMax {
                    state.cancelledForeignRuns.insert(run)
                }
            }
            return true
        }
        guard found else { throw .notFound("sim: cancel of unknown run \(run)") }
    }

    /// The simulator lives in this process: there is nothing to reach and no credential.
    public func check() async throws(PlatformError) -> String {
        "sim: the built-in simulator runs in this process (nothing to reach, no credentials)"
    }

    private enum SubmitDecision {
        case accepted(PlatformRunID)
        case failed(PlatformError)
    }

    /// Draws the three submit faults (always all three, so the sequence depends only on the
    /// seed and call order), then records or finds the run.
    private static func decideSubmit(
        _ request: SubmitRequest, now: Int64, faults: SimFaults, state: inout SimState
    ) -> SubmitDecision {
        let key = request.idempotencyKey
        let script: SimScript
        do throws(PlatformError) { script = try SimScript(request) } catch { return .failed(error) }
        let submitError = state.random.chance(faults.submitErrorRate)
        let throttled = state.random.chance(faults.throttleRate)
        let lostAnswer = state.random.chance(faults.lostAnswerRate)
        if submitError { return .failed(.transient("sim: injected error submitting key \(key)")) }
        if throttled {
            return .failed(.throttled(retryAfter: faults.throttleRetryAfter, message: "sim: injected throttle for key \(key)"))
        }
        let id: PlatformRunID
        if let existing = state.runIDsByKey[key] {
            id = existing
        } else {
            guard state.runs.count < runsMax else {
                return .failed(.transient("sim: submit of key \(key) refused: \(runsMax) runs recorded"))
            }
            guard let accepted = state.accept(request, script, at: now) else {
                return .failed(.transient("sim: submit of key \(key) refused: its run ID is taken this microsecond"))
            }
            id = accepted
        }
        if lostAnswer { return .failed(.transient("sim: injected lost answer after accepting key \(key) as \(id)")) }
        return .accepted(id)
    }
}
