import BatonHost
import BatonEvents
import BatonLog
import Foundation

/// Formats replayed events for the audit view: aligned human lines with the time each step took,
/// or JSON lines (DESIGN.md §7).
struct AuditPrinter {
    let json: Bool
    /// When each task (run + task) and each run last changed, for the step durations.
    private var lastTaskMicros: [String: Int64] = [:]
    private var runCreatedMicros: [String: Int64] = [:]
    /// The most tasks and runs remembered; older entries are dropped so memory stays bounded.
    static let remembered = 1_000_000

    init(json: Bool) { self.json = json }

    /// Notes an event that is not printed, so the durations of later lines stay right.
    mutating func remember(_ record: ReplayedRecord, _ event: Baton_V1_Event) {
        _ = elapsed(record, event, EventDescription(event))
    }

    /// One line for `event`.
    mutating func line(_ record: ReplayedRecord, _ event: Baton_V1_Event) throws -> String {
        let description = EventDescription(event)
        let took = elapsed(record, event, description)
        if json { return try jsonLine(record, event, description, took) }
        let subject = description.task.isEmpty ? event.runID : "\(event.runID) \(description.task)\(description.attempt > 0 ? "#\(description.attempt)" : "")"
        let step = took.map { "+" + Self.formatSeconds($0) } ?? ""
        return "\(String(record.seq).leftPadded(7))  \(Self.formatTime(record.timeMicros))  \(step.leftPadded(9))  \(event.kindName.padding(toLength: 21, withPad: " ", startingAt: 0)) \(subject)  \(description.detail)"
    }

    /// The time since the previous event of the same task (or since the run was created, for
    /// run-level events), and records this one.
    private mutating func elapsed(_ record: ReplayedRecord, _ event: Baton_V1_Event, _ description: EventDescription) -> Int64? {
        if lastTaskMicros.count > Self.remembered { lastTaskMicros.removeAll() }
        if runCreatedMicros.count > Self.remembered { runCreatedMicros.removeAll() }
        if case .runCreated = event.body { runCreatedMicros[event.runID] = record.timeMicros; return nil }
        guard !description.task.isEmpty else {
            return runCreatedMicros[event.runID].map { record.timeMicros - $0 }
        }
        let key = event.runID + "\u{0}" + description.task
        let previous = lastTaskMicros[key] ?? runCreatedMicros[event.runID]
        lastTaskMicros[key] = record.timeMicros
        return previous.map { record.timeMicros - $0 }
    }

    private func jsonLine(_ record: ReplayedRecord, _ event: Baton_V1_Event, _ description: EventDescription, _ took: Int64?) throws -> String {
        try RunJSON.encode(EventDescription.object(record, event, elapsedMicros: took))
    }

    static func formatTime(_ micros: Int64) -> String { EventDescription.formatTime(micros) }

    /// `0.412s`, `12.0s`, `3m05s`, `2h04m`.
    static func formatSeconds(_ micros: Int64) -> String {
        let seconds = Double(micros) / 1_000_000
        if seconds < 10 { return String(format: "%.3fs", seconds) }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let whole = Int(seconds)
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, whole % 3600 / 60)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
