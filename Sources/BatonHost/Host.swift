public import BatonEngine
import BatonLog
public import Logging
public import ServiceLifecycle

/// How a host runs.
public struct HostOptions: Sendable {
    /// The definitions directory, watched for changes.
    public var workflowsDirectory: String
    /// The connections file, watched for changes (default: `connections.yaml` in the directory).
    public var connectionsFile: String?
    /// Recorded as the actor of the events the host itself causes.
    public var actor: String
    /// How often the definitions directory is scanned.
    public var definitionsPollInterval: Duration
    /// The longest the scheduler sleeps between ticks (capacity freed by finished runs and new
    /// definitions are noticed within it; cron matches wake it exactly).
    public var scheduleTickMax: Duration

    /// Defaults: rescan every 2 s, look at schedules at least every 5 s.
    public init(workflowsDirectory: String, actor: String = "host", definitionsPollInterval: Duration = .seconds(2),
                scheduleTickMax: Duration = .seconds(5)) {
        self.workflowsDirectory = workflowsDirectory
        self.actor = actor
        self.definitionsPollInterval = definitionsPollInterval
        self.scheduleTickMax = scheduleTickMax
    }
}

/// The long-running host as one service: it registers the definitions directory (and keeps it
/// registered as files change), fires schedules, and runs the engine that dispatches every run.
/// On graceful shutdown (SIGTERM/SIGINT through the service group) it stops claiming, lets the
/// append in progress finish and returns; work already on the platforms keeps running and is
/// reconciled by run ID on the next start.
public final class Host: Service, Sendable {
    let runtime: Runtime
    let clock: any EngineClock
    let options: HostOptions
    let logger: Logger

    /// A host over a runtime that already recovered its state.
    public init(runtime: Runtime, clock: any EngineClock, options: HostOptions, logger: Logger) {
        self.runtime = runtime
        self.clock = clock
        self.options = options
        self.logger = logger
    }

    /// Runs until cancelled or shut down gracefully.
    /// - Throws: `HostError` or `EngineError` when the host cannot go on (the log failed, the
    ///   definitions directory vanished at start).
    public func run() async throws {
        var sync = DefinitionSync(directory: WorkflowDirectory(path: options.workflowsDirectory), registryFile: options.connectionsFile)
        try await waitingOutFullDisk("register definitions") { try await syncDefinitions(&sync) }
        let initial = sync
        do {
            try await cancelWhenGracefulShutdown { [self] in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.runtime.serve() }
                    group.addTask { try await self.watchDefinitions(initial) }
                    group.addTask { try await self.fireSchedules() }
                    try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
            logger.info("host stopped")
        }
    }

    private func watchDefinitions(_ start: DefinitionSync) async throws {
        var sync = start
        while true {
            try await clock.sleep(untilMicros: clock.nowMicros() + micros(options.definitionsPollInterval))
            do {
                try await waitingOutFullDisk("register definitions") { try await syncDefinitions(&sync) }
            } catch let error as HostError {
                // A directory that disappears for a moment (a deploy swapping it) is not fatal.
                logger.error("definitions directory unreadable", metadata: ["error": "\(error)"])
            }
        }
    }

    private func syncDefinitions(_ sync: inout DefinitionSync) async throws {
        let report = try await sync.sync(runtime, actor: options.actor)
        if let path = report.registeredConnections {
            logger.info("connections registered", metadata: ["file": "\(path)"])
        }
        for name in report.registered {
            logger.info("workflow registered", metadata: ["workflow": "\(name)"])
        }
        if let rejection = report.rejectedConnections {
            logger.error("connections file rejected; the previous version stays in force",
                         metadata: ["file": "\(rejection.path)", "problem": "\(rejection.problem)"])
        }
        for rejection in report.rejected {
            logger.error("workflow file rejected; the previous version stays registered",
                         metadata: ["file": "\(rejection.path)", "problem": "\(rejection.problem)"])
        }
    }

    private func fireSchedules() async throws {
        while true {
            let tick = try await waitingOutFullDisk("fire schedules") { try await runtime.fireDueSchedules(actor: options.actor) }
            for run in tick?.createdRuns ?? [] { logger.info("schedule fired", metadata: ["run": "\(run)"]) }
            let now = clock.nowMicros()
            // A tick refused for lack of space is tried again at the next one.
            let wake = min(tick?.nextWakeMicros ?? .max, now + micros(options.scheduleTickMax))
            try await clock.sleep(untilMicros: max(wake, now))
        }
    }

    /// Runs `body`; a full disk under the log is weather, not the end of the host: it is logged
    /// and nil returned, and the caller tries again on its next round (the engine loop waits it
    /// out on its own, the API answers 503 meanwhile). Every other error ends the host.
    private func waitingOutFullDisk<T>(_ what: String, _ body: () async throws -> T) async throws -> T? {
        do {
            return try await body()
        } catch EngineError.log(.diskFull(let path)) {
            logger.error("no space left on device for the log; will try again", metadata: ["doing": "\(what)", "log": "\(path)"])
            return nil
        }
    }

    private func micros(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
}
