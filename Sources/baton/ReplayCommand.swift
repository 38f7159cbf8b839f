import BatonHost
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
            Read-only: safe while a run, dispatcher or host writes to the data directory. Archived \
            events (moved out by `baton compact`) are read from the archive and the live log as one \
            chain. Every record's chain hash is checked as it is read; a broken link stops the \
            replay with an error naming its sequence number (and archive segment).

            The human view prints one line per transition: sequence, time, the time since the \
            previous event of the same task (or, for RunFinished, since the run was created), \
            type, run, task#attempt and what happened.

            Examples:
              baton replay                                   # every transition, in order
              baton replay --run daily_revenue-20261123T060000-1x2y --task load_raw
              baton replay --from 2026-11-23T06:00:00Z --to 2026-11-23T07:00:00Z
              baton replay --from 1200 --to 1300             # a sequence range
              baton replay --json | jq 'select(.type == "TaskFailed")'
              baton replay --seq 1200                        # the state of every run after event 1200
              baton replay --verify                          # chain + full projection rebuild
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .long, help: "The archive directory to read compacted events from (default: where compaction recorded it).")
    var archive: String?

    @Option(name: .long, help: "Only events of this run.")
    var run: String?

    @Option(name: .long, help: "Only events of this task (with --run, or across runs).")
    var task: String?

    @Option(name: .long, help: "Only events from this sequence number or ISO 8601 time on.")
    var from: String?

    @Option(name: .long, help: "Only events up to this sequence number or ISO 8601 time.")
    var to: String?

    @Option(name: .long, help: "Print the state of every run as of this sequence number instead of events.")
    var seq: UInt64?

    @Option(name: .long, help: "Print the state as of this time (ISO 8601, e.g. 2026-11-23T06:00:00Z) instead of events.")
    var at: String?

    @Flag(name: .long, help: "Verify the whole chain (archives included) and every snapshot, and rebuild every projection from the first event; print what was checked.")
    var verify = false

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    func validate() throws {
        let modes = [seq != nil, at != nil, verify, from != nil || to != nil].filter { $0 }.count
        guard modes <= 1 else { throw ValidationError("use one of --seq, --at, --verify, or --from/--to") }
    }

    func run() async throws {
        let log = try DataDirectory(path: data).openLog(readOnly: true, archive: archive)
        defer { log.close() }
        let window = try ReplayWindow(from: from, to: to)
        let limitTime = try at.map(ReplayWindow.parseTime)
        let needsState = verify || seq != nil || limitTime != nil
        var state = EngineState()
        var audit = AuditPrinter(json: json)
        let report: ChainReport
        do {
            report = try log.replay(from: needsState ? 1 : window.firstSeq, through: window.lastSeq, transform: { seq, _, payload in
                try EventCodec.decode(payload, seq: seq)
            }) { record, event in
                if let seq, record.seq > seq { throw Stop() }
                if let limitTime, record.timeMicros > limitTime { throw Stop() }
                if needsState { try state.apply(event, seq: record.seq, timeMicros: record.timeMicros) }
                guard !needsState else { return }
                if let last = window.lastMicros, record.timeMicros > last { throw Stop() }
                guard window.firstMicros.map({ record.timeMicros >= $0 }) ?? true, matches(event) else {
                    audit.remember(record, event)
                    return
                }
                print(try audit.line(record, event))
            }
        } catch is Stop {
            if needsState { printState(state) }
            return
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

    private func printState(_ state: EngineState) {
        let runs = state.runs.values.filter { run == nil || $0.id == run }.sorted { ($0.createdAtMicros, $0.id) < ($1.createdAtMicros, $1.id) }
        print("state after seq \(state.lastSeq) (\(AuditPrinter.formatTime(state.lastTimeMicros)))")
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
        let snapshots = try log.snapshotSeqs()
        let damaged = try snapshots.compactMap { seq -> String? in
            if case .failure(let problem) = try log.snapshot(at: seq) { return problem.description }
            return nil
        }
        guard runtime.state.lastSeq == replayed.lastSeq, runtime.state == replayed else {
            printError("baton: verify: the state from snapshot + tail differs from the full replay at seq \(replayed.lastSeq)")
            throw BatonExit.failed
        }
        let first = try log.firstSeq()
        let archived = first > 1 ? "archive \(try log.archiveDirectory() ?? "?") holds 1...\(first - 1), live log \(first)...\(report.lastSeq)" : "all in the live log"
        print("verified \(report.checked) events (seq \(report.lastSeq - report.checked + 1)...\(report.lastSeq), \(archived)): chain intact, head hash \(report.lastHash.hex.prefix(16))")
        print("projections rebuilt from the first event: \(replayed.runs.count) runs, \(replayed.definitions.count) definitions; identical to start-up's \(snapshots.first.map { "snapshot at seq \($0) + tail" } ?? "full replay (no snapshot)")")
        print("snapshots checked: \(snapshots.count), damaged: \(damaged.count)")
        let problems = Set(skipped + damaged).sorted()
        for problem in problems { printError("baton: verify: \(problem)") }
        if !problems.isEmpty {
            printError("baton: verify: \(problems.count) snapshot(s) failed verification and are ignored; write a new one with `baton snapshot`")
            throw BatonExit.failed
        }
    }
}

/// The `--from`/`--to` bounds of a replay: sequence numbers or times.
struct ReplayWindow {
    var firstSeq: UInt64 = 1
    var lastSeq: UInt64 = .max
    var firstMicros: Int64?
    var lastMicros: Int64?

    init(from: String?, to: String?) throws {
        if let from {
            if let seq = UInt64(from) { firstSeq = max(seq, 1) } else { firstMicros = try Self.parseTime(from) }
        }
        if let to {
            if let seq = UInt64(to) { lastSeq = seq } else { lastMicros = try Self.parseTime(to) }
        }
    }

    static func parseTime(_ text: String) throws -> Int64 {
        guard let date = try? Date(text, strategy: .iso8601) else {
            printError("baton: \(text): expected a sequence number or an ISO 8601 time such as 2026-11-23T06:00:00Z")
            throw BatonExit.badInput
        }
        return Int64(date.timeIntervalSince1970 * 1_000_000)
    }
}
