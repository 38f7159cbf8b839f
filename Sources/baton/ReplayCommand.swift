import ArgumentParser
import BatonEngine
import BatonEvents
import BatonLog
import BatonState
import Foundation

/// `baton replay`: the audit view of the log, and its verification.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Print the log as an audit trail, or the state as of a point, and verify it.",
        discussion: """
            Read-only: safe while a run, dispatcher or host writes to the data directory. Every \
            record's chain hash is checked as it is read; a broken link stops the replay with an \
            error naming its sequence number.

            Examples:
              baton replay                                   # every transition, in order
              baton replay --run daily_revenue-20261123T060000-1x2y --task load_raw
              baton replay --json | jq 'select(.type == "TaskFailed")'
              baton replay --seq 1200                        # the state of every run after event 1200
              baton replay --verify                          # chain + full projection rebuild
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .long, help: "Only events of this run.")
    var run: String?

    @Option(name: .long, help: "Only events of this task (with --run, or across runs).")
    var task: String?

    @Option(name: .long, help: "Print the state of every run as of this sequence number instead of events.")
    var seq: UInt64?

    @Option(name: .long, help: "Print the state as of this time (ISO 8601, e.g. 2026-11-23T06:00:00Z) instead of events.")
    var at: String?

    @Flag(name: .long, help: "Verify the whole chain and rebuild every projection; print what was checked.")
    var verify = false

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    func run() async throws {
        let log = try DataDirectory(path: data).openLog(readOnly: true)
        defer { log.close() }
        let limitTime = try at.map(Self.parseTime)
        var state = EngineState()
        var printed = 0
        let report: ChainReport
        do {
            report = try log.replay(transform: { seq, _, payload in try EventCodec.decode(payload, seq: seq) }) { record, event in
                if let seq, record.seq > seq { throw Stop() }
                if let limitTime, record.timeMicros > limitTime { throw Stop() }
                try state.apply(event, seq: record.seq, timeMicros: record.timeMicros)
                guard !verify, seq == nil, limitTime == nil, matches(event) else { return }
                print(json ? try jsonLine(record, event) : humanLine(record, event))
                printed += 1
            }
        } catch is Stop {
            return printState(state)
        } catch {
            printError("baton: replay of \(data): \(error)")
            throw BatonExit.failed
        }
        if seq != nil || limitTime != nil { return printState(state) }
        if let bad = report.firstBreak {
            printError("baton: the log is damaged at \(bad); events before it are intact (\(report.checked) verified)")
            throw BatonExit.failed
        }
        if verify { try verifyProjection(log, state, report) }
    }

    private struct Stop: Error {}

    private func matches(_ event: Baton_V1_Event) -> Bool {
        if let run, event.runID != run { return false }
        if let task, EventDescription(event).task != task { return false }
        return true
    }

    private func humanLine(_ record: ReplayedRecord, _ event: Baton_V1_Event) -> String {
        let description = EventDescription(event)
        let time = Self.formatTime(record.timeMicros)
        let subject = description.task.isEmpty ? event.runID : "\(event.runID) \(description.task)\(description.attempt > 0 ? "#\(description.attempt)" : "")"
        return "\(String(record.seq).leftPadded(7))  \(time)  \(event.kindName.padding(toLength: 19, withPad: " ", startingAt: 0)) \(subject)  \(description.detail)"
    }

    private func jsonLine(_ record: ReplayedRecord, _ event: Baton_V1_Event) throws -> String {
        let description = EventDescription(event)
        var object: [String: Any] = [
            "seq": record.seq, "time": Self.formatTime(record.timeMicros), "time_us": record.timeMicros, "type": event.kindName,
            "run_id": event.runID, "task": description.task, "attempt": Int(description.attempt),
            "platform_run_id": description.platformRunID, "hash": record.hash.hex, "actor": event.actor,
        ]
        object.merge(description.fields) { current, _ in current }
        return try StatusJSON.encode(object)
    }

    private func printState(_ state: EngineState) {
        let runs = state.runs.values.filter { run == nil || $0.id == run }.sorted { ($0.createdAtMicros, $0.id) < ($1.createdAtMicros, $1.id) }
        print("state after seq \(state.lastSeq) (\(Self.formatTime(state.lastTimeMicros)))")
        for run in runs {
            print(Summary.line(run))
            for index in run.tasks.indices where task == nil || run.graph.names[index] == task {
                let record = run.tasks[index]
                print("  \(run.graph.names[index].padding(toLength: 20, withPad: " ", startingAt: 0)) \(record.status.rawValue) (attempt \(record.attempt))")
            }
        }
    }

    private func verifyProjection(_ log: EventLog, _ replayed: EngineState, _ report: ChainReport) throws {
        // What start-up uses (newest verified snapshot + tail) must equal the fold of every event.
        let clock = SystemEngineClock()
        let runtime = Runtime(log: log, platforms: .init([:]), clock: clock, options: RuntimeOptions(dispatcherID: "verify"))
        let skipped: [String]
        do {
            skipped = try runtime.recover()
        } catch {
            printError("baton: verify: start-up recovery failed: \(error)")
            throw BatonExit.failed
        }
        for problem in skipped { printError("baton: verify: \(problem)") }
        let snapshots = try log.snapshotSeqs()
        guard runtime.state.lastSeq == replayed.lastSeq, runtime.state == replayed else {
            printError("baton: verify: the state from snapshot + tail differs from the full replay at seq \(replayed.lastSeq)")
            throw BatonExit.failed
        }
        print("verified \(report.checked) events (seq \(report.lastSeq - report.checked + 1)...\(report.lastSeq)): chain intact, head hash \(report.lastHash.hex.prefix(16))")
        print("projections rebuilt from the first event: \(replayed.runs.count) runs, \(replayed.definitions.count) definitions; identical to start-up's \(snapshots.first.map { "snapshot at seq \($0) + tail" } ?? "full replay (no snapshot)")")
        if !skipped.isEmpty {
            printError("baton: verify: \(skipped.count) snapshot(s) failed verification and are ignored; write a new one with `baton snapshot`")
            throw BatonExit.failed
        }
    }

    static func formatTime(_ micros: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }

    static func parseTime(_ text: String) throws -> Int64 {
        guard let date = try? Date(text, strategy: .iso8601) else {
            printError("baton: --at \(text): expected an ISO 8601 time such as 2026-11-23T06:00:00Z")
            throw BatonExit.badInput
        }
        return Int64(date.timeIntervalSince1970 * 1_000_000)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
