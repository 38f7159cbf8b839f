import ArgumentParser
import BatonEngine
import BatonHost
import BatonPlatforms
import BatonState
import Foundation

/// `baton logs`: an attempt's log on whatever platform ran it.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show what a task's attempt printed, from the platform that ran it.",
        discussion: """
            Finds the task's platform run in the log and asks its platform: the process platform \
            prints the attempt's stdout and stderr files; Databricks the task's logs and error; \
            Airflow each task instance's log; Ray the driver log; Data Factory (which keeps no log \
            text) the run's message and its activities' errors; an HTTP job API its logs_path. The \
            platform's own run page is printed when it has one. Secret values Baton knows are \
            masked. Read-only: safe beside a running host.

            Exit status: 0 shown, 1 the platform could not be asked, 2 no such run, task or dispatch.

            Examples:
              baton logs daily_revenue-20261201 load
              baton logs daily_revenue-20261201 load --dispatch 1 --tail 4096
              baton logs daily_revenue-20261201 load --follow
            """
    )

    @Argument(help: "The run ID.")
    var run: String

    @Argument(help: "The task (replicas as name[0]).")
    var task: String

    @Option(name: .long, help: "Which of the task's platform runs, from 1 (default: the newest). An attempt that failed before reaching the platform has none.")
    var dispatch: Int?

    @Option(name: .long, help: "How many bytes from the end of the log to show.")
    var tail = 65_536

    @Flag(name: .long, help: "Keep printing what is added until the task's attempt ends.")
    var follow = false

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    /// How often `--follow` asks, and how many times at most.
    static let followEvery = Duration.seconds(2)
    static let followRoundsMax = 100_000

    func run() async throws {
        let directory = DataDirectory(path: data)
        var state = try directory.readState(reader: "logs")
        let (platform, runtime, runID) = try locate(state, directory)
        var shown = ""
        for round in 0..<(follow ? Self.followRoundsMax : 1) {
            let log: PlatformLog
            do {
                log = try await platform.logs(of: runID, tailBytes: tail)
            } catch {
                printError("baton: the logs of \(task) in \(run) (\(runID)): \(error)")
                throw BatonExit.failed
            }
            let text = runtime.redact(log.text)
            if round == 0 {
                if let link = log.link { print("platform run \(runID): \(link)") } else { print("platform run \(runID)") }
                if let note = log.note { print("(\(note))") }
            }
            // Print what was added; a log that was cut at its start is shown again whole.
            print(text.hasPrefix(shown) ? String(text.dropFirst(shown.count)) : text, terminator: "")
            shown = text
            guard follow else { return }
            state = try directory.readState(reader: "logs")
            if let found = state.runs[run], let index = found.graph.index(named: task)?.rawValue, found.tasks[index].status.isTerminal { return }
            try await Task.sleep(for: Self.followEvery)
        }
    }

    /// The platform that ran the task's chosen dispatch, a runtime to mask with, and the run ID.
    private func locate(_ state: EngineState, _ directory: DataDirectory) throws -> (any Platform, Runtime, PlatformRunID) {
        guard let found = state.runs[run] else {
            printError("baton: no run \(run) in \(data)")
            throw BatonExit.badInput
        }
        guard let index = found.graph.index(named: task)?.rawValue else {
            printError("baton: run \(run) has no task \(task) (tasks: \(found.graph.names.prefix(20).joined(separator: ", ")))")
            throw BatonExit.badInput
        }
        let ids = found.tasks[index].platformRunIDs
        let chosen = dispatch ?? ids.count
        guard chosen >= 1, chosen <= ids.count else {
            printError("baton: \(task) in \(run) has \(ids.count) platform run\(ids.count == 1 ? "" : "s")" + (dispatch.map { "; there is no --dispatch \($0)" } ?? ": nothing reached a platform yet"))
            throw BatonExit.badInput
        }
        let connection = found.connection(of: index)
        let log = try directory.openLog(readOnly: true)
        defer { log.close() }
        do {
            let runtime = try directory.runtime(log, role: "logs", clock: SystemEngineClock(), registry: state.registry?.registry)
            let spec = state.connectionSpec(connection, of: found)
            let platform = try spec.map { try runtime.platform(connection: connection, spec: $0) }
                ?? directory.platforms(clock: SystemEngineClock()).platform(named: "sim", connection: connection)
            return (platform, runtime, PlatformRunID(ids[chosen - 1]))
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("baton: \(error)")
            throw BatonExit.badInput
        }
    }
}
