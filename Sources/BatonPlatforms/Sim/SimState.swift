/// Everything the simulated platform remembers, guarded by the platform's mutex.
struct SimState: Sendable {
    var runs: [PlatformRunID: SimRun] = [:]
    var runIDsByKey: [String: PlatformRunID] = [:]
    /// How many times each key was accepted as a new run; idempotency keeps every value at 1.
    var newRunsByKey: [String: Int] = [:]
    /// Accepted new runs in acceptance order.
    var acceptances: [SimAcceptance] = []
    var nextRunNumber: UInt64 = 1
    var random: SimRandom

    init(seed: UInt64) { random = SimRandom(seed: seed) }

    /// Records a new run for `request` at `now` and returns its ID.
    mutating func accept(_ request: SubmitRequest, at now: Int64) -> PlatformRunID {
        let id = PlatformRunID("sim-\(nextRunNumber)")
        nextRunNumber += 1
        let duration = request.simDuration.simMicros
        let (finish, overflow) = now.addingReportingOverflow(duration)
        runs[id] = SimRun(
            id: id, idempotencyKey: request.idempotencyKey, taskID: request.taskID,
            attempt: request.attempt, outcome: request.simOutcome,
            submittedAtMicros: now, finishesAtMicros: overflow ? Int64.max : finish
        )
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
            precondition(runs[id]?.idempotencyKey == key, "sim: key \(key) maps to \(id), which has another key")
            precondition(newRunsByKey[key] == 1, "sim: key \(key) accepted \(newRunsByKey[key] ?? 0) times")
        }
    }
}
