public import BatonModel

/// When the next attempt of a failed task may start: exponential delay with a cap, plus jitter
/// decided once and recorded in the event.
public enum RetryBackoff {
    /// Jitter is at most this fraction of the delay.
    public static let jitterFraction = 0.1

    /// Whether a failed `attempt` is followed by another under `policy`.
    public static func willRetry(_ policy: RetryPolicy, attempt: UInt32, retryable: Bool, errorClass: String) -> Bool {
        guard retryable, Int(attempt) < policy.attempts else { return false }
        guard let allowed = policy.retryOn else { return true }
        return allowed.contains(errorClass)
    }

    /// The delay before attempt `next` (2, 3, ...) in ms, and its jitter in ms.
    ///
    /// The jitter is derived from `seed` (the idempotency key of the failed attempt) by a fixed
    /// hash, so the decider stays a pure function and replays decide the same.
    public static func delay(_ policy: RetryPolicy, next: UInt32, seed: String) -> (delayMs: UInt64, jitterMs: UInt64) {
        let base = milliseconds(policy.delay)
        let cap = milliseconds(policy.maxDelay)
        let exponent = min(Int(next) - 2, 32)
        var delay = base
        for _ in 0..<max(exponent, 0) {
            if delay >= cap / 2 { delay = cap; break }
            delay *= 2
        }
        delay = min(delay, max(cap, base))
        let spread = UInt64(Double(delay) * jitterFraction)
        let jitter = spread == 0 ? 0 : fnv1a(seed) % (spread + 1)
        return (delay, jitter)
    }

    private static func milliseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000 + UInt64(max(0, attoseconds)) / 1_000_000_000_000_000
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
