/// One run the simulated platform accepted.
struct SimRun: Sendable, Equatable {
    let id: PlatformRunID
    let attempt: UInt32
    let outcome: SimAttemptOutcome
    let submittedAtMicros: Int64
    /// When the run finishes: `submittedAtMicros + duration`, saturating.
    let finishesAtMicros: Int64
    /// Set by `cancel` while the run was still running; wins over the scripted outcome.
    var cancelled: Bool = false

    /// The run's state at `now`.
    func state(at now: Int64) -> PlatformRunStatus.State {
        if cancelled { return .cancelled }
        guard now >= finishesAtMicros else { return .running }
        switch outcome {
        case .success:
            return .succeeded(outputJSON: "{\"attempt\": \(attempt)}")
        case .failure:
            return .failed(message: "sim: attempt \(attempt) failed as scripted")
        }
    }
}

extension Duration {
    /// Whole microseconds, clamped to `0...Int64.max`.
    var simMicros: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64.max / 1_000_000 else { return Int64.max }
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
