public import BatonLog
public import BatonPlatforms

/// The engine's time: what events are stamped with, what the sim platform runs on, and how the
/// runtime waits. Tests pass a clock they move by hand.
public protocol EngineClock: LogClock, SimClock {
    /// Suspends until the clock reads at least `micros` (or the task is cancelled).
    func sleep(untilMicros micros: Int64) async throws
}
