import BatonEngine
import Synchronization

/// A clock for deterministic simulation: sleeping jumps time forward instead of waiting, which is
/// exact as long as one task at a time touches it (the simulation runs effects one by one).
final class SimulatedClock: EngineClock {
    private let micros: Mutex<Int64>

    init(start: Int64 = 1_800_000_000_000_000) { micros = Mutex(start) }

    func nowMicros() -> Int64 { micros.withLock { $0 } }

    func sleep(untilMicros target: Int64) async throws {
        micros.withLock { $0 = max($0, target) }
    }

    /// Moves time forward to `target` (never backwards).
    func advance(to target: Int64) { micros.withLock { $0 = max($0, target) } }
}
