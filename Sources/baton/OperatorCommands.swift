import ArgumentParser
import BatonEngine
import BatonEvents
import Foundation

/// `baton cancel`: cancels a run in a data directory (a host or dispatcher serving it carries it out).
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a run: its unfinished tasks are cancelled and running ones asked to stop on their platforms.",
        discussion: """
            The request is recorded with your user name as the actor. Queued and waiting tasks are \
            cancelled at once; running tasks are asked to stop on their platform (best effort; a \
            task whose submit is in flight is cancelled once its platform run ID is known); then \
            the run finishes cancelled. Cancelling a run twice changes nothing.

            Example:
              baton cancel daily_revenue-20261201 --reason "bad upstream data" --data ./baton-data
            """
    )

    @Argument(help: "The run ID.")
    var runID: String

    @Option(name: .long, help: "Why (recorded in the log).")
    var reason = ""

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    func run() async throws {
        try await OperatorCommand.perform(data: data) { (runtime, actor) throws(EngineError) in
            let result = try await runtime.cancelRun(runID, reason: reason, actor: actor)
            print(result.changed ? "\(runID): cancel requested" : "\(runID): cancel already requested")
        }
    }
}

/// `baton retry` and `baton clear`: run a task and its downstream again.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed (or cancelled) task of a run again, with everything downstream of it.",
        discussion: """
            The task and every task downstream of it are reset to pending and run again with \
            fresh retry budgets; attempt numbers continue (so platforms never see an idempotency \
            key twice). A finished run opens again. Refused while any of those tasks is still \
            queued or running.

            Example:
              baton retry daily_revenue-20261201 load --data ./baton-data
            """
    )

    @OptionGroup var target: ResetTarget

    func run() async throws {
        try await OperatorCommand.reset(target, .retry)
    }
}

struct ClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Clear a finished task of a run (any outcome) and everything downstream of it, so they run again.",
        discussion: """
            Like retry, but for a task of any final state (succeeded, failed, skipped, cancelled): \
            use it to rerun from a point after fixing data.

            Example:
              baton clear daily_revenue-20261201 transform --data ./baton-data
            """
    )

    @OptionGroup var target: ResetTarget

    func run() async throws {
        try await OperatorCommand.reset(target, .clear)
    }
}

/// The arguments of retry and clear.
struct ResetTarget: ParsableArguments {
    @Argument(help: "The run ID.")
    var runID: String

    @Argument(help: "The task; it and everything downstream of it run again.")
    var task: String

    @Option(name: .long, help: "Why (recorded in the log).")
    var reason = ""

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"
}

/// What the operator commands share: open the directory, act as `cli:USER`, map errors to exit codes.
enum OperatorCommand {
    static func reset(_ target: ResetTarget, _ mode: Baton_V1_ClearMode) async throws {
        try await perform(data: target.data) { (runtime, actor) throws(EngineError) in
            let result = try await runtime.clearTask(target.runID, task: target.task, mode: mode, reason: target.reason, actor: actor)
            print("\(target.runID): reset \(result.tasks.joined(separator: ", "))")
        }
    }

    static func perform(data: String, _ body: (Runtime, String) async throws(EngineError) -> Void) async throws {
        let log = try DataDirectory(path: data).openLog()
        defer { log.close() }
        // With the platforms, so a cancel can ask running tasks to stop itself.
        let runtime = try DataDirectory(path: data).runtime(log, role: "operator", clock: SystemEngineClock())
        do {
            try await body(runtime, "cli:\(NSUserName())")
        } catch {
            printError("baton: \(error)")
            switch error {
            case .unknownRun, .unknownTask, .conflict, .invalidRequest: throw BatonExit.badInput
            default: throw BatonExit.storage
            }
        }
    }
}
