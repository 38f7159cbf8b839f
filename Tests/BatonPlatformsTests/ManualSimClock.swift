import BatonModel
import BatonPlatforms
import Synchronization

/// A platform clock that moves only when a test says so.
final class ManualSimClock: SimClock {
    private let micros: Mutex<Int64>

    init(start: Int64 = 1_700_000_000_000_000) { micros = Mutex(start) }

    func nowMicros() -> Int64 { micros.withLock { $0 } }

    /// Moves time forward by `duration`.
    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        micros.withLock { $0 += seconds * 1_000_000 + attoseconds / 1_000_000_000_000 }
    }
}

/// A request with the fields the platform tests vary.
func request(
    _ key: String, outcome: SimAttemptOutcome = .success, duration: Duration = .zero,
    command: [String] = [], environment: [String: String] = [:]
) -> SubmitRequest {
    let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    var job: [String: RenderedJob.Value] = ["outcome": .list([outcome.rawValue]), "duration": .text(DurationText.format(duration))]
    if !command.isEmpty { job["command"] = .list(command) }
    return SubmitRequest(
        idempotencyKey: key, runID: parts.first ?? key, taskID: parts.dropFirst().first ?? "t",
        attempt: UInt32(parts.last ?? "1") ?? 1, job: RenderedJob(job), environment: environment
    )
}
