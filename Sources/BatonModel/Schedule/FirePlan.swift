public import Foundation

/// What a schedule owes at one moment: the data intervals to create runs for now, and when to
/// look again. Pure: the caller passes the clock's reading and what the log says was fired.
///
/// A fire at cron match `t` creates the run for the interval `[previous match, t)`: its logical
/// date is the interval's start, and it is created once the interval has ended (Airflow's data
/// intervals). Times are µs since the Unix epoch; matches are computed by ``CronSchedule`` in the
/// schedule's time zone.
public struct FirePlan: Sendable, Equatable {
    /// One data interval.
    public struct Interval: Sendable, Equatable, Hashable {
        /// Its start: the run's logical date.
        public let logicalDateMicros: Int64
        /// Its end: the cron match that fires it.
        public let endMicros: Int64

        /// The interval `[logicalDateMicros, endMicros)`.
        public init(logicalDateMicros: Int64, endMicros: Int64) {
            self.logicalDateMicros = logicalDateMicros
            self.endMicros = endMicros
        }
    }

    /// Intervals to create runs for now, oldest first.
    public let intervals: [Interval]
    /// The next cron match after now (nil when the expression never matches again).
    public let nextWakeMicros: Int64?

    /// The most intervals one plan returns; a schedule far behind catches up over several ticks.
    public static let intervalsPerPlanMax = 1_000

    /// The plan for `cron` at `nowMicros`.
    /// - Parameters:
    ///   - lastEndMicros: the end of the newest interval already fired (nil: never fired).
    ///   - sinceMicros: when the schedule was first registered; a schedule that never fired owes
    ///     nothing for matches at or before it.
    ///   - activeRuns: runs of the workflow not finished yet; with `maxActiveRuns` it bounds how
    ///     many new runs this plan creates.
    /// - Complexity: O(intervals returned) cron steps (plus one step back when `catchup` is off).
    public static func plan(cron: CronSchedule, catchup: Bool, maxActiveRuns: Int, activeRuns: Int,
                            lastEndMicros: Int64?, sinceMicros: Int64, nowMicros: Int64) -> FirePlan {
        let capacity = min(max(0, maxActiveRuns - activeRuns), intervalsPerPlanMax)
        let floor = lastEndMicros ?? sinceMicros
        let next = cron.next(after: date(nowMicros)).map(micros)
        guard capacity > 0 else { return FirePlan(intervals: [], nextWakeMicros: next) }
        var intervals: [Interval] = []
        if catchup {
            var cursor = floor
            while intervals.count < capacity, let end = cron.next(after: date(cursor)).map(micros), end <= nowMicros {
                intervals.append(interval(cron, endingAt: end, previousEnd: intervals.last?.endMicros ?? lastEndMicros))
                cursor = end
            }
        } else if let latest = cron.previous(before: date(nowMicros + 1)).map(micros), latest > floor {
            intervals.append(interval(cron, endingAt: latest, previousEnd: nil))
        }
        return FirePlan(intervals: intervals, nextWakeMicros: next)
    }

    /// The interval that the match `end` closes: it starts at the match before it.
    private static func interval(_ cron: CronSchedule, endingAt end: Int64, previousEnd: Int64?) -> Interval {
        let start = previousEnd ?? cron.previous(before: date(end)).map(micros) ?? end
        return Interval(logicalDateMicros: start, endMicros: end)
    }

    /// An instant in µs since the epoch as a `Date` (schedules compute in `Date`, events store µs).
    public static func date(_ micros: Int64) -> Date { Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
    /// A `Date` as µs since the epoch, rounded.
    public static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }
}
