import ArgumentParser
import BatonEngine
import BatonHost
import Foundation

/// `baton backfill`: creates the runs of a schedule's past intervals, paced.
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Create runs for a schedule's intervals in a date range; a running host runs them.",
        discussion: """
            Each interval gets the run ID its schedule would give it (WORKFLOW-<logical date>Z), \
            so asking twice creates nothing new, and intervals the schedule already ran are not \
            run again. With --max-active N it keeps at most N unfinished runs of the workflow, \
            creating the next interval as earlier ones finish (the host runs them), and exits \
            when every interval has its run. --from and --to are dates (UTC, whole days) or \
            ISO 8601 times; an interval belongs to the range when its logical date does.

            Examples:
              baton backfill daily_revenue --from 2026-11-01 --to 2026-11-07
              baton backfill hourly_sync --from 2026-11-23T00:00:00Z --to 2026-11-23T11:00:00Z --max-active 3
            """
    )

    @Argument(help: "The workflow name (as registered by the host).")
    var workflow: String

    @Option(name: .long, help: "The first logical date (date or ISO 8601 time).")
    var from: String

    @Option(name: .long, help: "The last logical date (date or ISO 8601 time).")
    var to: String

    @Option(name: .long, help: "At most this many unfinished runs of the workflow at once (default: no limit).")
    var maxActive: Int?

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    func validate() throws {
        guard BackfillRange.parse(from: from, to: to) != nil else { throw ValidationError("--from/--to: expected dates like 2026-11-01 or times like 2026-11-01T06:00:00Z") }
        if let maxActive, maxActive < 1 { throw ValidationError("--max-active \(maxActive): at least 1") }
    }

    func run() async throws {
        guard let range = BackfillRange.parse(from: from, to: to) else { throw BatonExit.badInput }
        let log = try DataDirectory(path: data).openLog()
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: .init([:]), clock: SystemEngineClock(), options: RuntimeOptions(dispatcherID: "backfill"))
        do {
            let plan = try runtime.backfillPlan(workflow, fromMicros: range.from, toMicros: range.to)
            var created = 0
            var waited = 0
            for (index, entry) in plan.intervals.enumerated() {
                while let limit = maxActive, try runtime.activeRuns(of: workflow) >= limit {
                    if waited % 30 == 0 { printError("baton: waiting: \(limit) runs of \(workflow) unfinished (a host must be running to finish them)") }
                    waited += 1
                    try await Task.sleep(for: .seconds(1))
                }
                let isNew = try await runtime.trigger(workflow, runID: entry.runID, params: [:], trigger: .backfill, interval: entry.interval,
                                                      actor: "cli:\(NSUserName())")
                created += isNew ? 1 : 0
                print("\(entry.runID)\(isNew ? "" : " (exists already)")  [\(index + 1)/\(plan.intervals.count)]")
            }
            printError("baton: backfill of \(workflow): \(plan.intervals.count) intervals, \(created) runs created")
        } catch let error as EngineError {
            printError("baton: \(error)")
            switch error {
            case .unknownWorkflow, .invalidRequest, .runIDConflict: throw BatonExit.badInput
            default: throw BatonExit.storage
            }
        }
    }
}
