/// How failed attempts of a task are retried: exponential delay from `delay`, capped at `maxDelay`.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first; 1 = no retry. Bounded by ``attemptsMax``.
    public var attempts: Int
    /// Delay before the second attempt; doubled for each further one.
    public var delay: Duration
    /// Cap on the delay between attempts.
    public var maxDelay: Duration
    /// Error classes that are retried (e.g. `timeout`, `platform`); `nil` = every retryable error.
    public var retryOn: [String]?

    /// Largest accepted `attempts`.
    public static let attemptsMax = 100

    public init(attempts: Int = 1, delay: Duration = .seconds(10), maxDelay: Duration = .seconds(300), retryOn: [String]? = nil) {
        self.attempts = attempts
        self.delay = delay
        self.maxDelay = maxDelay
        self.retryOn = retryOn
    }
}
