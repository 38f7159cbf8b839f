import BatonModel
import BatonTestSupport
import Foundation
import Testing

@Suite struct FirePlanTests {
    /// µs of an ISO 8601 instant.
    static func at(_ text: String) -> Int64 {
        guard let date = try? Date(text, strategy: .iso8601) else { preconditionFailure("bad time \(text)") }
        return Int64(date.timeIntervalSince1970 * 1_000_000)
    }

    static func cron(_ expression: String, _ zone: String = "UTC") -> CronSchedule {
        guard let timeZone = TimeZone(identifier: zone), let cron = try? CronSchedule(expression, timeZone: timeZone) else {
            preconditionFailure("bad cron \(expression) in \(zone)")
        }
        return cron
    }

    private func plan(_ cron: CronSchedule, catchup: Bool, max: Int = 3, active: Int = 0, last: Int64?, since: Int64 = 0, now: Int64) -> FirePlan {
        FirePlan.plan(cron: cron, catchup: catchup, maxActiveRuns: max, activeRuns: active, lastEndMicros: last, sinceMicros: since, nowMicros: now)
    }

    @Test func anHourlyScheduleOwesTheIntervalThatJustEnded() {
        let result = plan(Self.cron("0 * * * *"), catchup: false, last: Self.at("2026-11-24T09:00:00Z"), now: Self.at("2026-11-24T10:00:05Z"))
        #expect(result.intervals == [.init(logicalDateMicros: Self.at("2026-11-24T09:00:00Z"), endMicros: Self.at("2026-11-24T10:00:00Z"))])
        #expect(result.nextWakeMicros == Self.at("2026-11-24T11:00:00Z"))
        // Planned again with that fire recorded, nothing more is owed.
        #expect(plan(Self.cron("0 * * * *"), catchup: false, last: Self.at("2026-11-24T10:00:00Z"), now: Self.at("2026-11-24T10:00:06Z")).intervals.isEmpty)
    }

    @Test func downtimeWithCatchupCreatesEveryMissedIntervalOldestFirstWithinMaxActiveRuns() {
        let cron = Self.cron("0 * * * *")
        let now = Self.at("2026-11-24T15:30:00Z")
        var last = Self.at("2026-11-24T10:00:00Z")
        var created: [FirePlan.Interval] = []
        for _ in 0..<5 {
            let result = plan(cron, catchup: true, max: 2, active: 0, last: last, now: now)
            #expect(result.intervals.count <= 2)
            created += result.intervals
            last = result.intervals.last?.endMicros ?? last
        }
        let hours = (10...14).map { Self.at(String(format: "2026-11-24T%02d:00:00Z", $0)) }
        #expect(created.map(\.logicalDateMicros) == hours)
        #expect(created.map(\.endMicros) == hours.map { $0 + 3_600_000_000 })
        // Runs still active use up the capacity.
        #expect(plan(cron, catchup: true, max: 2, active: 2, last: Self.at("2026-11-24T10:00:00Z"), now: now).intervals.isEmpty)
    }

    @Test func downtimeWithoutCatchupCreatesOnlyTheLatestInterval() {
        let result = plan(Self.cron("0 * * * *"), catchup: false, last: Self.at("2026-11-24T10:00:00Z"), now: Self.at("2026-11-24T15:30:00Z"))
        #expect(result.intervals == [.init(logicalDateMicros: Self.at("2026-11-24T14:00:00Z"), endMicros: Self.at("2026-11-24T15:00:00Z"))])
    }

    @Test func aScheduleThatNeverFiredStartsAfterItsRegistration() {
        let cron = Self.cron("0 6 * * *")
        let since = Self.at("2026-11-24T07:00:00Z")
        #expect(plan(cron, catchup: true, last: nil, since: since, now: Self.at("2026-11-24T23:00:00Z")).intervals.isEmpty)
        let next = plan(cron, catchup: true, last: nil, since: since, now: Self.at("2026-11-25T06:00:01Z"))
        #expect(next.intervals == [.init(logicalDateMicros: Self.at("2026-11-24T06:00:00Z"), endMicros: Self.at("2026-11-25T06:00:00Z"))])
    }

    @Test(arguments: ["Europe/Berlin", "America/New_York"])
    func aDailyScheduleAcrossBothDSTChangesFiresEachDayExactlyOnce(zone: String) {
        let cron = Self.cron("30 2 * * *", zone)
        // From before the spring change to after the autumn change of 2026, one tick an hour.
        var last: Int64? = nil
        var fires: [FirePlan.Interval] = []
        let start = Self.at("2026-03-01T00:00:00Z")
        for hour in 0..<(24 * 260) {
            let now = start + Int64(hour) * 3_600_000_000
            let result = plan(cron, catchup: true, max: 1, last: last, since: start, now: now)
            fires += result.intervals
            last = result.intervals.last?.endMicros ?? last
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? .gmt
        let days = fires.map { calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double($0.endMicros) / 1e6)) }
        #expect(Set(days).count == days.count, "a day fired twice")
        // No day missing: consecutive fires fall on consecutive calendar days.
        let dates = days.compactMap { calendar.date(from: $0) }
        #expect(dates.count > 250)
        for (a, b) in zip(dates, dates.dropFirst()) {
            #expect(calendar.dateComponents([.day], from: a, to: b).day == 1, "\(a) then \(b)")
        }
        // Contiguous: each interval starts where the one before ended.
        #expect(zip(fires, fires.dropFirst()).allSatisfy { $0.endMicros == $1.logicalDateMicros })
    }

    @Test func randomTicksFeedingBackWhatWasCreatedYieldExactlyTheCronIntervals() {
        let seed = UInt64.random(in: 1...UInt64(UInt32.max))
        var rng = SeededGenerator(seed: seed)
        let cron = Self.cron("*/20 * * * *")
        let start = Self.at("2026-11-01T00:00:00Z")
        let end = Self.at("2026-12-01T00:00:00Z")
        var now = start
        var last: Int64? = nil
        var active = 0
        var created: [FirePlan.Interval] = []
        while now < end {
            now += Int64.random(in: 1...7_200_000_000, using: &rng)
            active = Int.random(in: 0...active, using: &rng)  // some runs finished meanwhile
            let result = plan(cron, catchup: true, max: 4, active: active, last: last, since: start, now: min(now, end))
            created += result.intervals
            active += result.intervals.count
            last = result.intervals.last?.endMicros ?? last
        }
        // Tick until caught up, with every run finished.
        for _ in 0..<10_000 {
            let result = plan(cron, catchup: true, max: 4, active: 0, last: last, since: start, now: end)
            if result.intervals.isEmpty { break }
            created += result.intervals
            last = result.intervals.last?.endMicros
        }
        let expected = (1...(30 * 24 * 3)).map { start + Int64($0) * 1_200_000_000 }
        #expect(created.map(\.endMicros) == expected, "seed \(seed)")
        #expect(zip(created, created.dropFirst()).allSatisfy { $0.endMicros == $1.logicalDateMicros }, "seed \(seed)")
    }
}
