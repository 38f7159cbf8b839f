import BatonLog

/// The real clock: wall time for events, real sleeping. Only executables create one; libraries
/// and tests take an `EngineClock`.
public struct SystemEngineClock: EngineClock {
    private let wall = SystemLogClock()

    /// Makes the clock.
    public init() {}

    public func nowMicros() -> Int64 { wall.nowMicros() }

    public func sleep(untilMicros micros: Int64) async throws {
        let delay = micros - nowMicros()
        if delay > 0 { try await Task.sleep(for: .microseconds(delay)) }
    }
}
