import ArgumentParser
import BatonEngine
import Foundation

/// `baton trigger`: creates a run of a registered workflow for the host to run.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Create a run of a registered workflow; a running `baton serve` (or `baton dispatch`) runs it.",
        discussion: """
            The run uses the newest definition the host registered from its workflows directory. \
            --run-id is an idempotency key: triggering the same ID twice creates one run (the \
            second call says it already exists). Prints the run ID.

            Examples:
              baton trigger daily_revenue --param region=us
              baton trigger daily_revenue --run-id revenue-backfix-1 --data ./baton-data
            """
    )

    @Argument(help: "The workflow name (as registered by the host).")
    var workflow: String

    @Option(name: .long, help: "The run ID (default: generated from the workflow and time).")
    var runID: String?

    @Option(name: .long, help: "A parameter, key=value (repeatable).")
    var param: [String] = []

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    func run() async throws {
        let params = try DataDirectory.parameters(param)
        let log = try DataDirectory(path: data).openLog()
        defer { log.close() }
        let clock = SystemEngineClock()
        let runtime = Runtime(log: log, platforms: .init([:]), clock: clock, options: RuntimeOptions(dispatcherID: "trigger"))
        let id = runID ?? RunCommand.newRunID(workflow, clock.nowMicros())
        do {
            let created = try await runtime.trigger(workflow, runID: id, params: params, trigger: .manual, actor: "cli:\(NSUserName())")
            print(created ? id : "\(id) (exists already; nothing created)")
        } catch .unknownWorkflow(let name) {
            printError("baton: \(EngineError.unknownWorkflow(name))")
            throw BatonExit.badInput
        } catch .runIDConflict(let id, let existing, let requested) {
            printError("baton: \(EngineError.runIDConflict(runID: id, existingWorkflow: existing, requestedWorkflow: requested))")
            throw BatonExit.badInput
        } catch {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
    }
}
