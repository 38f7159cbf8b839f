import ArgumentParser
import BatonEngine
import BatonModel
import Foundation

/// `baton dispatch`: a separate dispatcher process for a data directory another process schedules.
struct DispatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch",
        abstract: "Claim and dispatch work of every run in a data directory, beside other processes.",
        discussion: """
            Several `baton dispatch` processes, `baton run` and a host may share one data \
            directory: every claim is decided inside the log's write lock, so each connection's \
            max_in_flight and rate hold across all of them and no attempt is dispatched twice. A \
            dispatcher that dies mid-claim is covered by the claim lease: once it runs out, \
            another process looks the attempt up by its idempotency key and takes it over.

            Runs until interrupted (Ctrl-C or SIGTERM); work already on the platforms keeps \
            running and is watched by the remaining processes.

            Examples:
              baton dispatch --data ./baton-data
              baton dispatch --data ./baton-data --connection warehouse --connection local
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .customLong("connection"), help: "Serve only this connection (repeatable; default: all).")
    var connections: [String] = []

    @Option(name: .customLong("lease"), help: "Seconds a claim is protected before others may take it over.")
    var leaseSeconds = 60

    @Option(name: .long, help: "The most tasks this dispatcher holds at once, over all connections (default: only the connections' limits).")
    var concurrency: Int?

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency \(concurrency): must be at least 1") }
    }

    @Option(name: .customLong("connections"), help: ArgumentHelp(RegistryFile.help + " Registered (when new) before dispatching.", valueName: "file"))
    var connectionsFile: String?

    func run() async throws {
        let interrupt = Interrupt()
        let registry = try RegistryFile.load(connectionsFile)
        let directory = DataDirectory(path: data)
        let log = try directory.openLog()
        defer { log.close() }
        let clock = SystemEngineClock()
        let runtime = try directory.runtime(log, role: "dispatch", clock: clock, registry: registry) { options in
            options.servedConnections = connections.isEmpty ? nil : Set(connections)
            options.claimLease = .seconds(max(1, leaseSeconds))
            options.concurrency = concurrency
        }
        let id = runtime.dispatcherID
        do {
            try runtime.recover()
            if let registry, try await runtime.register(connections: registry, actor: "cli:\(NSUserName())") {
                printError("baton: connections from \(registry.file) registered")
            }
            printError("baton: dispatcher \(id) serving \(connections.isEmpty ? "all connections" : connections.joined(separator: ", "))")
            try await interrupt.cancelling { try await runtime.serve() }
        } catch is CancellationError {
            printError("baton: dispatcher \(id) stopped")
        } catch let error as EngineError {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
    }
}
