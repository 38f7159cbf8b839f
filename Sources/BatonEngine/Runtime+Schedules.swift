import BatonEvents
import BatonModel
import BatonState
import Foundation

/// What one scheduler tick did.
public struct ScheduleTick: Sendable, Equatable {
    /// Runs created by this tick, in order.
    public var createdRuns: [String] = []
    /// The earliest next cron match of any schedule (nil: none will fire again).
    public var nextWakeMicros: Int64?
}

extension Runtime {
    /// The run ID of a scheduled run: the workflow and its logical date in UTC, so the ID names
    /// the interval and a second fire of it could never create a second run.
    public static func scheduledRunID(_ workflow: String, logicalDateMicros: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(logicalDateMicros) / 1_000_000)
        let stamp = date.formatted(.iso8601.year().month().day().dateSeparator(.omitted).time(includingFractionalSeconds: false).timeSeparator(.omitted))
        return "\(workflow)-\(stamp)Z"
    }

    /// Fires every due schedule of the newest registered definitions: each data interval owed
    /// (see `FirePlan`) becomes a `ScheduleFired` appended with its `RunCreated` in one durable
    /// commit. The fire is re-checked inside the write transaction, so two hosts (or a restart in
    /// the middle) never fire one interval twice.
    /// - Throws: `EngineError`.
    public func fireDueSchedules(actor: String = "scheduler") async throws(EngineError) -> ScheduleTick {
        try catchUpAndWake()
        let state = core.state
        let now = clock.nowMicros()
        var tick = ScheduleTick()
        var events: [Baton_V1_Event] = []
        for (name, hash) in state.latestDefinition.sorted(by: { $0.key < $1.key }) {
            guard let workflow = state.definitions[hash], let schedule = workflow.schedule,
                  let zone = TimeZone(identifier: schedule.timeZone), let cron = try? CronSchedule(schedule.cron, timeZone: zone) else { continue }
            let active = state.runs.values.reduce(0) { $0 + ($1.workflow.name == name && $1.outcome == nil ? 1 : 0) }
            let plan = FirePlan.plan(cron: cron, catchup: schedule.catchup, maxActiveRuns: schedule.maxActiveRuns, activeRuns: active,
                                     lastEndMicros: state.scheduleFires[name]?.intervalEndMicros,
                                     sinceMicros: state.firstRegisteredMicros[name] ?? now, nowMicros: now)
            if let wake = plan.nextWakeMicros { tick.nextWakeMicros = min(tick.nextWakeMicros ?? .max, wake) }
            for interval in plan.intervals {
                let id = Self.scheduledRunID(name, logicalDateMicros: interval.logicalDateMicros)
                events.append(EventFactory.scheduleFired(name, logicalDate: interval.logicalDateMicros, intervalEnd: interval.endMicros, run: id, actor: actor))
                events.append(EventFactory.runCreated(id, workflow: name, hash: Self.bytes(hex: hash), params: [:], logicalDate: interval.logicalDateMicros,
                                                      intervalEnd: interval.endMicros, trigger: .schedule, actor: actor))
            }
        }
        guard !events.isEmpty else { return tick }
        let result = try await commitOutsideLoop(events)
        tick.createdRuns = result.events.compactMap { event in
            if case .runCreated = event.body { return event.runID }
            return nil
        }
        return tick
    }

    static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = hex.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let h = Self.nibble(high), let l = Self.nibble(low) else { return [] }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
