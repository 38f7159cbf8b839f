import BatonHost
import ArgumentParser
import BatonEngine
import BatonLog
import BatonPlatforms
import BatonState
import Foundation

/// `baton status`: the state of one run, or a list of runs, read from the log.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the state of a run (or list runs), rebuilt from the log.",
        discussion: """
            Opens the log read-only, so it is safe while a run or host is writing.

            Examples:
              baton status                      # every run, newest last
              baton status daily_revenue-20261123T060000-1x2y --json
            """
    )

    @Argument(help: "The run ID (omit to list runs).")
    var run: String?

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let state = try DataDirectory(path: data).readState(reader: "status")
        if let id = run {
            guard let found = state.runs[id] else {
                printError("baton: no run \(id) in \(data)")
                throw BatonExit.badInput
            }
            if json { print(try RunJSON.encode(RunJSON.object(found))) } else { printRun(found) }
            return
        }
        let runs = state.runs.values.sorted { ($0.createdAtMicros, $0.id) < ($1.createdAtMicros, $1.id) }
        if json {
            print(try RunJSON.encode(runs.map { ["run_id": $0.id, "workflow": $0.workflow.name, "status": $0.outcome?.rawValue ?? "running"] }))
        } else if runs.isEmpty {
            print("no runs in \(data)")
        } else {
            for run in runs { print(Summary.line(run)) }
        }
    }

    private func printRun(_ run: RunState) {
        print(Summary.line(run))
        for index in run.tasks.indices {
            let task = run.tasks[index]
            var line = "  \(run.graph.names[index].padding(toLength: 20, withPad: " ", startingAt: 0)) \(task.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) attempts \(task.attempt)"
            if !task.platformRunIDs.isEmpty { line += "  \(task.platformRunIDs.joined(separator: ", "))" }
            if let failure = task.lastFailure, task.status != .succeeded { line += "  [\(failure.errorClass)] \(failure.message.prefix(100))" }
            if let skip = task.skipReason { line += "  (\(skip))" }
            print(line)
        }
    }
}
