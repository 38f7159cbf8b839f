import BatonHost
import ArgumentParser
import BatonEngine
import BatonModel
import BatonState
import Foundation

/// `baton run`: creates (or resumes) a run and drives it to the end in this process.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a workflow to the end in this process, durably.",
        discussion: """
            Every transition is appended to the log in the data directory before anything relies \
            on it. If this process dies (even by SIGKILL), run the same command with the same \
            --run-id and the run continues where it was: tasks already running on their platform \
            are found again by their run ID or idempotency key, none is started twice.

            Exit status: 0 the run succeeded, 1 it failed, 2 bad input (an invalid workflow, a \
            --param the workflow does not declare), 3 storage or internal error (a full disk is \
            named as such; the run resumes once there is space), 130 interrupted by SIGINT or \
            SIGTERM (the run can be resumed).

            Secret values are masked as *** in everything the platforms answer before it is \
            recorded: error messages, a task's last stderr line, its output.

            Examples:
              baton run Examples/daily_revenue.yaml
              baton run flows/load.yaml --run-id load-2026-11-23 --param region=eu
              BATON_SECRET_db_password=... baton run flows/load.yaml   # {{ secrets.db_password }}
              baton run flows/load.yaml --connections connections.yaml  # shared limits, secret stores
            """
    )

    @Argument(help: "The workflow file (YAML or JSON).")
    var file: String

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .customLong("run-id"), help: "The run's ID; giving an existing one resumes that run.")
    var runID: String?

    @Option(name: .customLong("param"), help: "A run parameter as key=value (repeatable).")
    var params: [String] = []

    @Flag(name: .long, help: "Print the final state as JSON (the shape of `baton status --json`).")
    var json = false

    @Option(name: .long, help: "The most tasks this process holds at once, over all connections (default: only the connections' limits).")
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp(RegistryFile.help + " Without it, the connections the data directory's log holds apply.", valueName: "file"))
    var connections: String?

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency \(concurrency): must be at least 1") }
    }

    func run() async throws {
        let interrupt = Interrupt()
        let registry = try RegistryFile.load(connections)
        let directory = DataDirectory(path: data)
        // Checked before the log is touched, against the connections file; without one, against
        // the registry the log holds (when there is a log).
        let hasLog = FileManager.default.fileExists(atPath: directory.logPath + "/data.mdb")
        let checked = registry != nil || !hasLog ? try loadWorkflow(registry) : nil
        let parameters = try DataDirectory.parameters(params)
        let log = try directory.openLog()
        defer { log.close() }
        let clock = SystemEngineClock()
        let runtime = try directory.runtime(log, role: "run", clock: clock, registry: registry) { $0.concurrency = concurrency }
        let outcome: RunState.Outcome
        var chosenID = runID
        do {
            try runtime.recover()
            let workflow = try checked ?? loadWorkflow(runtime.state.registry?.registry)
            if let problem = workflow.undeclaredParamsProblem(parameters) {
                printError("baton: --param: \(problem); nothing was run")
                throw BatonExit.badInput
            }
            let id = runID ?? Self.newRunID(workflow.name, clock.nowMicros())
            chosenID = id
            if let registry, try await runtime.register(connections: registry, actor: "cli:\(NSUserName())") {
                if !json { print("connections from \(registry.file) registered") }
            }
            let created = try await runtime.createRun(workflow, runID: id, params: parameters, logicalDateMicros: clock.nowMicros(),
                                                      sourcePath: file, actor: "cli:\(NSUserName())")
            if !json { print(created ? "run \(id) of \(workflow.name) created" : "run \(id) of \(workflow.name) resumed") }
            let printer = ProgressPrinter(runID: id, quiet: json)
            outcome = try await interrupt.cancelling {
                try await runtime.drive(until: id) { printer.update($0) }
            }
        } catch is CancellationError {
            let resume = chosenID.map { " --run-id \($0)" } ?? ""
            printError("baton: interrupted; resume with: baton run \(file) --data \(data)\(connections.map { " --connections \($0)" } ?? "")\(resume)")
            throw ExitCode(130)
        } catch let error as EngineError {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
        let state = runtime.state
        let id = chosenID ?? ""
        if json {
            print(try RunJSON.render(state, runID: id))
        } else if let run = state.runs[id] {
            print(Summary.line(run))
        }
        if outcome != .succeeded { throw BatonExit.failed }
    }

    private func loadWorkflow(_ registry: ConnectionRegistry?) throws -> Workflow {
        do {
            return try WorkflowLoader.load(contentsOf: file, registry: registry)
        } catch {
            printError(error.description)
            printError("baton: \(file) is not a valid workflow; nothing was run")
            throw BatonExit.badInput
        }
    }

    static func newRunID(_ workflow: String, _ micros: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        let stamp = formatter.string(from: Date(timeIntervalSince1970: Double(micros) / 1_000_000))
        return "\(workflow)-\(stamp)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}
