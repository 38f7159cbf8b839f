public import BatonModel
import BatonState
import Foundation

/// What a backfill owes: the schedule's data intervals whose logical date lies in a range.
public struct BackfillPlan: Sendable, Equatable {
    /// The intervals, oldest first, with the run ID each gets (the scheduled run's ID, so an
    /// interval the schedule already ran is not run again).
    public let intervals: [(interval: FirePlan.Interval, runID: String)]

    public static func == (a: BackfillPlan, b: BackfillPlan) -> Bool {
        a.intervals.map(\.runID) == b.intervals.map(\.runID) && a.intervals.map(\.interval) == b.intervals.map(\.interval)
    }

    /// The most intervals one backfill covers.
    public static let intervalsMax = 10_000
}

extension Runtime {
    /// The intervals of `workflowName`'s schedule whose logical date is in `from...to` (µs).
    /// - Throws: `EngineError.unknownWorkflow`, `.invalidRequest` when it has no schedule or the
    ///   range is empty, backwards or longer than `BackfillPlan.intervalsMax` intervals.
    public func backfillPlan(_ workflowName: String, fromMicros: Int64, toMicros: Int64) throws(EngineError) -> BackfillPlan {
        try catchUpAndWake()
        let state = core.state
        guard let hash = state.latestDefinition[workflowName], let workflow = state.definitions[hash] else { throw .unknownWorkflow(workflowName) }
        guard let schedule = workflow.schedule, let zone = TimeZone(identifier: schedule.timeZone),
              let cron = try? CronSchedule(schedule.cron, timeZone: zone) else {
            throw .invalidRequest("workflow \(workflowName) has no schedule, so it has no intervals to backfill")
        }
        guard fromMicros <= toMicros else { throw .invalidRequest("the range ends before it starts") }
        var intervals: [(FirePlan.Interval, String)] = []
        var start = cron.next(after: FirePlan.date(fromMicros - 1))
        while let begin = start, FirePlan.micros(begin) <= toMicros {
            guard intervals.count < BackfillPlan.intervalsMax else {
                throw .invalidRequest("the range holds more than \(BackfillPlan.intervalsMax) intervals; backfill it in parts")
            }
            guard let end = cron.next(after: begin) else { break }
            let interval = FirePlan.Interval(logicalDateMicros: FirePlan.micros(begin), endMicros: FirePlan.micros(end))
            intervals.append((interval, Self.scheduledRunID(workflowName, logicalDateMicros: interval.logicalDateMicros)))
            start = end
        }
        guard !intervals.isEmpty else { throw .invalidRequest("no interval of \(schedule.cron) starts in that range") }
        return BackfillPlan(intervals: intervals)
    }

    /// Unfinished runs of `workflowName` (of any trigger), to pace a backfill.
    public func activeRuns(of workflowName: String) throws(EngineError) -> Int {
        try catchUpAndWake()
        return core.state.runs.values.reduce(0) { $0 + ($1.workflow.name == workflowName && $1.outcome == nil ? 1 : 0) }
    }

}
