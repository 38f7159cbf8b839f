public import BatonLog
import Synchronization

/// A log clock that moves only when a test says so.
public final class ManualLogClock: LogClock {
    private let micros: Mutex<Int64>

    /// Starts at `start` microseconds since the epoch.
    public init(start: Int64 = 1_700_000_000_000_000) { micros = Mutex(start) }

    public func nowMicros() -> Int64 { micros.withLock { $0 } }

    /// Sets the time (it may go backwards; the log must cope).
    public func set(_ value: Int64) { micros.withLock { $0 = value } }
}
