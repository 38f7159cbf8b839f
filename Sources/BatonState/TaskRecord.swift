/// Everything the log says about one task of one run.
public struct TaskRecord: Sendable, Equatable {
    /// The claim a dispatcher holds on the current attempt.
    public struct Claim: Sendable, Equatable {
        public var dispatcherID: String
        public var idempotencyKey: String
        public var connection: String
        public var leaseDeadlineMicros: Int64
        public var claimedAtMicros: Int64
    }

    /// The last failure of an attempt.
    public struct Failure: Sendable, Equatable {
        public var errorClass: String
        public var message: String
        public var retryable: Bool
    }

    public var status: TaskStatus = .pending
    /// The current (or last) attempt, from 1; 0 before the task was first queued.
    public var attempt: UInt32 = 0
    /// Attempts made before the task was last cleared; the retry budget counts from here.
    public var attemptsBeforeClear: UInt32 = 0
    /// Every platform run ID any attempt got, in order.
    public var platformRunIDs: [String] = []
    public var claim: Claim?
    /// When the current attempt was dispatched (µs), while running.
    public var dispatchedAtMicros: Int64?
    /// When the next attempt may be queued (µs), while waiting for a retry; nil until decided.
    public var retryNotBeforeMicros: Int64?
    /// The output JSON of the successful attempt ("" when none).
    public var outputJSON = ""
    public var lastFailure: Failure?
    /// Why the task was skipped: the deciding edge.
    public var skipReason: String?
    /// When the current attempt was queued (µs), for FIFO claiming and audit.
    public var queuedAtMicros: Int64?

    /// A task that has not started.
    public init() {}
}
