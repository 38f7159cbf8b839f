/// One submission the simulated platform accepted as a new run, for rate-limit assertions.
public struct SimAcceptance: Sendable, Equatable {
    /// The submission's idempotency key.
    public let idempotencyKey: String
    /// The injected clock's time when the run was recorded.
    public let acceptedAtMicros: Int64
    /// The run ID allocated for it.
    public let runID: PlatformRunID
}
