/// The time source of the simulated and process platforms, in microseconds since the epoch.
///
/// Injected so that deterministic-simulation tests move time by hand; the host passes a wall
/// clock. Implementations must be thread-safe (platform calls arrive from any task).
public protocol SimClock: Sendable {
    /// The current time in microseconds since the Unix epoch.
    func nowMicros() -> Int64
}
