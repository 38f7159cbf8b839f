import BatonModel
/// Everything the simulated platform remembers, guarded by the platform's mutex.
struct SimState: Sendable {
    var runs: [PlatformRunID: SimRun] = [:]
    var runIDsByKey: [String: PlatformRunID] = [:]
    var keysByRunID: [PlatformRunID: String] = [:]
    /// Runs submitted elsewhere (not in `runs`) that were cancelled here.
    var cancelledForeignRuns: Set<PlatformRunID> = []
    /// How many times each key was accepted as a new run; idempotency keeps every value at 1.
    var newRunsByKey: [String: Int] = [:]
    /// Accepted new runs in acceptance order.
    var acceptances: [SimAcceptance] = []
    var nextRunNumber: UInt64 = 1
    var random: SimRandom

    init(seed: UInt64) { random = SimRandom(seed: seed) }

    /// Records a new run for `request` at `now` and returns its ID; nil when that ID is taken
    /// (two keys with the same hash in the same microsecond: the caller answers transient, and
    /// the next submit gets another time).
    mutating func accept(_ request: SubmitRequest, _ script: SimScript, at now: Int64) -> PlatformRunID? {
        let spelled = SimRunID(attempt: request.attempt, submittedAtMicros: now, durationMicros: script.duration.simMicros,
                               outcome: script.outcome, key: request.idempotencyKey)
        let id = PlatformRunID(spelled.text)
        guard runs[id] == nil else { return nil }
        nextRunNumber += 1
        runs[id] = spelled.run(id: id)
        keysByRunID[id] = request.idempotencyKey
        runIDsByKey[request.idempotencyKey] = id
        newRunsByKey[request.idempotencyKey, default: 0] += 1
        acceptances.append(SimAcceptance(idempotencyKey: request.idempotencyKey, acceptedAtMicros: now, runID: id))
        return id
    }

    /// Checks the bookkeeping agrees with itself; tests call it after each step.
    func checkInvariants() {
        precondition(runs.count == runIDsByKey.count, "sim: \(runs.count) runs but \(runIDsByKey.count) keys")
        precondition(acceptances.count == runs.count, "sim: \(acceptances.count) acceptances for \(runs.count) runs")
        precondition(UInt64(runs.count) == nextRunNumber - 1, "sim: \(runs.count) runs, next number \(nextRunNumber)")
        for (key, id) in runIDsByKey {
            precondition(keysByRunID[id] == key, "sim: key \(key) maps to \(id), which has another key")
            precondition(newRunsByKey[key] == 1, "sim: key \(key) accepted \(newRunsByKey[key] ?? 0) times")
        }
    }
}

/// What one simulated attempt does, read from the task's job: `outcome` (one per attempt, the
/// last repeating; default success) and `duration` (default 0s).
struct SimScript: Sendable, Equatable {
    var outcome: SimAttemptOutcome
    var duration: Duration

    init(_ request: SubmitRequest) throws(PlatformError) {
        let outcomes = request.job.list("outcome") ?? []
        let chosen = outcomes.isEmpty ? "success" : outcomes[min(max(Int(request.attempt), 1), outcomes.count) - 1]
        guard let outcome = SimAttemptOutcome(rawValue: chosen) else {
            throw .invalid("sim: bad outcome \"\(chosen.prefix(40))\" for attempt \(request.attempt) (expected success or failure)")
        }
        self.outcome = outcome
        if let text = request.job.text("duration") {
            guard let duration = DurationText.parse(text) else { throw .invalid("sim: bad duration \"\(text.prefix(40))\" (expected e.g. 90s)") }
            self.duration = duration
        } else {
            self.duration = .zero
        }
    }
}
