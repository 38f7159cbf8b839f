import BatonEngine
import BatonLog
import Foundation

/// The real clock: wall time for events, monotonic sleeping. Only the executable makes one.
struct SystemClock: EngineClock {
    private let wall = SystemLogClock()

    func nowMicros() -> Int64 { wall.nowMicros() }

    func sleep(untilMicros micros: Int64) async throws {
        let delay = micros - nowMicros()
        if delay > 0 { try await Task.sleep(for: .microseconds(delay)) }
    }
}
