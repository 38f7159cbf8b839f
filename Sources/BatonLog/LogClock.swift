#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The source of wall-clock time for the writer. Injected so tests can drive time by hand.
public protocol LogClock: Sendable {
    /// Microseconds since the Unix epoch. The log keeps event time non-decreasing even when this
    /// goes backwards.
    func nowMicros() -> Int64
}

/// The real wall clock (`CLOCK_REALTIME`). Only executables and tests create one.
public struct SystemLogClock: LogClock {
    /// Makes the clock.
    public init() {}

    public func nowMicros() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}
