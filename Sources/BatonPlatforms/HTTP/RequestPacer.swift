/// One connection's request pacing: status reads are spaced to a budget of `perSecond`, however
/// many attempts are polled at once (a 1,000-task fan-out must not become 1,000 reads per poll
/// round against an API that allows a few dozen per second), and every request waits out a pause
/// the platform asked for (`Retry-After`).
public actor RequestPacer {
    /// The most a caller may wait for its turn; past it the read is refused as throttled, so a
    /// queue of pollers cannot grow without bound.
    public static let waitMax = Duration.seconds(60)

    private let intervalMicros: Int64
    private let clock: any SimClock
    private var nextMicros: Int64 = 0
    /// No request before this (a `Retry-After` the platform sent), whatever the budget.
    private var pausedUntilMicros: Int64 = 0

    /// A pacer allowing `perSecond` requests each second (at least 1).
    public init(perSecond: Int, clock: any SimClock) {
        intervalMicros = 1_000_000 / Int64(max(1, perSecond))
        self.clock = clock
    }

    /// Waits for this caller's turn.
    /// - Throws: `PlatformError.throttled` when the turn is more than `waitMax` away.
    public func turn(_ label: String) async throws(PlatformError) {
        // No slot is reserved ahead: a caller that gives up (its call timed out) costs the others
        // nothing, where reserved slots of abandoned callers would push every later one back.
        let deadline = clock.nowMicros() + RequestPacer.waitMax.components.seconds * 1_000_000
        while true {
            let now = clock.nowMicros()
            let ready = max(nextMicros, pausedUntilMicros)
            if now >= ready {
                nextMicros = now + intervalMicros
                return
            }
            // Not the platform's doing: a transient wait, never recorded as a throttle.
            guard now < deadline else { throw .transient("\(label): no status-read turn within \(RequestPacer.waitMax) (budget \(1_000_000 / intervalMicros)/s)") }
            try await sleep(min(ready - now, RequestPacer.recheckMicros), label)
        }
    }

    /// How long a waiting caller sleeps at most before it looks again.
    static let recheckMicros: Int64 = 100_000

    /// Waits out a pause the platform asked for, without spending the budget (submits and cancels).
    /// - Throws: `PlatformError.throttled` when the pause is longer than `waitMax`.
    public func clear(_ label: String) async throws(PlatformError) {
        // Again after each wait: another caller's 429 may have extended the pause meanwhile.
        for _ in 0..<RequestPacer.pausesMax {
            let wait = pausedUntilMicros - clock.nowMicros()
            guard wait > 0 else { return }
            guard wait <= RequestPacer.waitMax.components.seconds * 1_000_000 else {
                throw .throttled(retryAfter: .microseconds(wait), message: "\(label) asked for a pause of \(wait / 1_000_000) s more")
            }
            try await sleep(wait, label)
        }
        throw .throttled(retryAfter: nil, message: "\(label) kept asking for pauses (\(RequestPacer.pausesMax) in a row)")
    }

    /// Pauses one caller waits out in a row before it gives up as throttled.
    public static let pausesMax = 20

    /// No request of this connection before `pause` from now (a 429 or 503 with `Retry-After`).
    public func pause(for pause: Duration) {
        let micros = pause.components.seconds * 1_000_000 + pause.components.attoseconds / 1_000_000_000_000
        pausedUntilMicros = max(pausedUntilMicros, clock.nowMicros() + micros)
    }

    private func sleep(_ micros: Int64, _ label: String) async throws(PlatformError) {
        guard micros > 0 else { return }
        do { try await Task.sleep(for: .microseconds(micros)) } catch { throw .transient("\(label): cancelled while waiting for its turn") }
    }
}
