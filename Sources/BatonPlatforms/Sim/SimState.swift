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
    mutating func accept(_ request: SubmitRequest, at now: Int64) -> PlatformRunID? {
        let spelled = SimRunID(attempt: request.attempt, submittedAtMicros: now, durationMicros: request.simDuration.simMicros,
                               outcome: request.simOutcome, key: request.idempotencyKey)
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
