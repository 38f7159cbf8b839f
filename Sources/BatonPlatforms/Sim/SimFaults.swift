/// Faults the simulated platform injects, decided by a seeded generator so a seed replays exactly.
///
/// Each rate is a probability in `0...1`, drawn independently per call. Every submit draws three
/// numbers (submit error, throttle, lost answer) and every status or look-up draws one, whether or
/// not an earlier draw fired, so the sequence depends only on the seed and the order of calls.
public struct SimFaults: Sendable, Equatable {
    /// Probability that a submit fails with `.transient` before the platform records anything.
    public var submitErrorRate: Double
    /// Probability that a submit is refused with `.throttled(retryAfter: throttleRetryAfter)`.
    public var throttleRate: Double
    /// Probability that a submit is accepted and recorded, but the answer is lost: the call
    /// throws `.transient` although the run exists (a re-submit with the same key finds it).
    public var lostAnswerRate: Double
    /// Probability that `status` or `lookUp` fails with `.transient`.
    public var statusErrorRate: Double
    /// How long a throttled answer asks the caller to wait.
    public var throttleRetryAfter: Duration
    /// Seeds the fault generator.
    public var seed: UInt64

    /// Declares the faults; rates outside `0...1` are a programming error.
    public init(
        submitErrorRate: Double = 0, throttleRate: Double = 0, lostAnswerRate: Double = 0,
        statusErrorRate: Double = 0, throttleRetryAfter: Duration = .seconds(1), seed: UInt64 = 0
    ) {
        for (name, rate) in [
            ("submitErrorRate", submitErrorRate), ("throttleRate", throttleRate),
            ("lostAnswerRate", lostAnswerRate), ("statusErrorRate", statusErrorRate),
        ] {
            precondition((0...1).contains(rate), "SimFaults.\(name) must be in 0...1, got \(rate)")
        }
        self.submitErrorRate = submitErrorRate
        self.throttleRate = throttleRate
        self.lostAnswerRate = lostAnswerRate
        self.statusErrorRate = statusErrorRate
        self.throttleRetryAfter = throttleRetryAfter
        self.seed = seed
    }

    /// No faults: every call answers truthfully.
    public static let none = SimFaults()
}
