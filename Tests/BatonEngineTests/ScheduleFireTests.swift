@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Testing

/// Schedules fired through the log: each data interval exactly once, across restarts and
/// competing hosts, with catchup bounded by max_active_runs.
@Suite struct ScheduleFireTests {
    static func workflow(catchup: Bool, maxActive: Int) throws -> Workflow {
        try WorkflowLoader.parse("""
            name: hourly
            schedule: { cron: "0 * * * *", timezone: UTC, catchup: \(catchup), max_active_runs: \(maxActive) }
            connections:
              simc: { platform: sim }
            defaults: { connection: simc }
            tasks:
              load: {}
            """, file: "hourly.yaml")
    }

    static let start: Int64 = 1_795_478_400_000_000 + 10 * 60_000_000 // 2026-11-24T00:10:00Z

    private func runtime(_ log: EventLog, _ clock: SimulatedClock) -> Runtime {
        Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock, options: RuntimeOptions(dispatcherID: "h"))
    }

    private func fires(_ log: EventLog) throws -> [Baton_V1_ScheduleFired] {
        var found: [Baton_V1_ScheduleFired] = []
        try log.forEach(from: 1) { record in
            if case .scheduleFired(let e) = try EventCodec.decode(record.payload, seq: record.seq).body { found.append(e) }
        }
        return found
    }

    @Test func downtimeWithCatchupCreatesEachMissedIntervalOnceAcrossARestart() async throws {
        let dir = TemporaryDirectory("schedule-catchup")
        defer { dir.remove() }
        let clock = SimulatedClock(start: Self.start)
        var log = try EventLog(directory: dir.path, clock: clock)
        #expect(try await runtime(log, clock).register(Self.workflow(catchup: true, maxActive: 10), sourcePath: "hourly.yaml", actor: "test"))
        #expect(try await runtime(log, clock).register(Self.workflow(catchup: true, maxActive: 10), sourcePath: "hourly.yaml", actor: "test") == false)
        #expect(try await runtime(log, clock).fireDueSchedules().createdRuns.isEmpty)
        clock.advance(to: Self.start + 5 * 3_600_000_000)  // down until 05:10: intervals 00:00...04:00 are owed
        let tick = try await runtime(log, clock).fireDueSchedules()
        #expect(tick.createdRuns == (0..<5).map { String(format: "hourly-20261124T%02d0000Z", $0) })
        let sixOClock: Int64 = 1_795_478_400_000_000 + 6 * 3_600_000_000
        #expect(tick.nextWakeMicros == sixOClock, "\(String(describing: tick.nextWakeMicros)) vs \(sixOClock)")
        // A restart: the log remembers what fired.
        log.close()
        log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        #expect(try await runtime(log, clock).fireDueSchedules().createdRuns.isEmpty)
        clock.advance(to: Self.start + 6 * 3_600_000_000)
        #expect(try await runtime(log, clock).fireDueSchedules().createdRuns == ["hourly-20261124T050000Z"])
        let fired = try fires(log)
        #expect(fired.map(\.logicalDateUs) == (0..<6).map { 1_795_478_400_000_000 + Int64($0) * 3_600_000_000 })
        #expect(zip(fired, fired.dropFirst()).allSatisfy { $0.intervalEndUs == $1.logicalDateUs })
        // Each run carries its interval and the schedule trigger.
        let reader = runtime(log, clock)
        try reader.recover()
        let state = reader.state
        let run = try #require(state.runs["hourly-20261124T000000Z"])
        #expect(run.trigger == "schedule" && run.logicalDateMicros == 1_795_478_400_000_000)
    }

    @Test func withoutCatchupOnlyTheLatestIntervalRunsAndMaxActiveRunsHoldsBack() async throws {
        let dir = TemporaryDirectory("schedule-latest")
        defer { dir.remove() }
        let clock = SimulatedClock(start: Self.start)
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        _ = try await runtime(log, clock).register(Self.workflow(catchup: false, maxActive: 1), sourcePath: "hourly.yaml", actor: "test")
        clock.advance(to: Self.start + 5 * 3_600_000_000)
        #expect(try await runtime(log, clock).fireDueSchedules().createdRuns == ["hourly-20261124T040000Z"])
        clock.advance(to: Self.start + 6 * 3_600_000_000)
        // The 04:00 run has not finished and max_active_runs is 1.
        #expect(try await runtime(log, clock).fireDueSchedules().createdRuns.isEmpty)
    }

    @Test func twoHostsFiringAtOnceCreateEachIntervalOnce() async throws {
        let dir = TemporaryDirectory("schedule-race")
        defer { dir.remove() }
        let clock = SimulatedClock(start: Self.start)
        let logA = try EventLog(directory: dir.path, clock: clock)
        let logB = try EventLog(directory: dir.path, clock: clock)
        defer { logA.close(); logB.close() }
        _ = try await runtime(logA, clock).register(Self.workflow(catchup: true, maxActive: 50), sourcePath: "hourly.yaml", actor: "test")
        clock.advance(to: Self.start + 30 * 3_600_000_000)
        async let a = runtime(logA, clock).fireDueSchedules(actor: "host-a")
        async let b = runtime(logB, clock).fireDueSchedules(actor: "host-b")
        let created = try await a.createdRuns + b.createdRuns
        #expect(created.count == 30 && Set(created).count == 30)
        #expect(try fires(logA).count == 30)
    }
}
