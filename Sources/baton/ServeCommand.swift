import ArgumentParser
import BatonEngine
import BatonHost
import BatonModel
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// `baton serve`: the long-running host.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the host: register the workflows directory, fire schedules, dispatch every run.",
        discussion: """
            Every workflow file in --workflows (*.yaml, *.yml, *.json) is validated and registered \
            with its content hash; the directory is watched, so a changed file becomes a new \
            version (runs already going keep theirs) and an invalid edit is reported while the \
            previous version keeps running. Schedules fire at their cron times: each data \
            interval is recorded with the run it creates in one durable append, so a restart \
            never fires an interval twice and catchup: true creates the intervals missed while \
            the host was down (within max_active_runs).

            Shared connections come from --connections FILE, else from connections.yaml in \
            --workflows (never read as a workflow): each new version is an event, its limits \
            hold for every workflow and every process on the data directory, and a broken edit \
            is reported while the previous version stays in force (Specs/connections.md). Its \
            secret stores are read at start-up.

            SIGTERM or SIGINT stops it gracefully: it stops claiming, finishes the append in \
            progress, closes the log and exits 0. Work already on the platforms keeps running \
            and is reconciled by run ID on the next start. A stop that arrives while the host is \
            still replaying its log takes effect as soon as recovery is done.

            A full disk under the data directory does not stop the host: it claims nothing new, \
            keeps what the platforms answered, answers API writes with 503, retries its commits \
            with backoff and carries on when space returns (both moments are logged).

            The HTTP API (Specs/http-api.yaml) listens on --listen (loopback by default; any \
            other address needs --token-file). It lists workflows and runs, triggers, cancels, \
            retries and clears, backfills, streams events (server-sent events at /v1/events) and \
            serves Prometheus metrics at /metrics.

            Alerts: a task's final failure and a failed run are posted as JSON (Slack-compatible \
            "text" plus structured fields) to the webhooks its workflow names in "alerts:" and to \
            every "global" webhook of --webhooks. Every attempt is recorded in the log; failed \
            deliveries are retried with backoff (8 attempts over about 4 minutes). Webhook \
            addresses stay in the webhooks file: the log and the logs name only the webhook.

            Examples:
              baton serve --workflows ./workflows --data ./baton-data
              baton serve --workflows /etc/baton/workflows --log-format json --listen 127.0.0.1:9090
              baton serve --workflows ./workflows --webhooks ./webhooks.txt
              baton serve --workflows ./workflows --connections /etc/baton/connections.yaml
              curl -s localhost:8080/v1/runs?status=failed
            """
    )

    @Option(name: .long, help: "The definitions directory.")
    var workflows: String

    @Option(name: .long, help: ArgumentHelp(RegistryFile.help + " Watched like the workflows (default: connections.yaml in --workflows, if there).", valueName: "file"))
    var connections: String?

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .long, help: "Log format: human or json (one object per line on stderr).")
    var logFormat = "human"

    @Option(name: .long, help: "Where the HTTP API listens, host:port (port 0 picks a free one and logs it). Beyond loopback, --token-file is required.")
    var listen = "127.0.0.1:8080"

    @Option(name: .long, help: "API tokens, one per line: NAME ROLE TOKEN (ROLE read or operator). Every request then needs Authorization: Bearer TOKEN.")
    var tokenFile: String?

    @Option(name: .long, help: "Alert webhooks, one per line: NAME URL [global]. Workflows name theirs in alerts: [NAME]; global ones hear of every workflow.")
    var webhooks: String?

    @Option(name: .long, help: "The API's address as alert readers reach it, for the run link in each alert (default: http://--listen).")
    var publicURL: String?

    /// The host and port of `--listen`.
    var address: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    func validate() throws {
        guard ["human", "json"].contains(logFormat) else { throw ValidationError("--log-format \(logFormat): expected human or json") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workflows, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--workflows \(workflows): not a directory")
        }
        guard let address else { throw ValidationError("--listen \(listen): expected host:port, e.g. 127.0.0.1:8080") }
        guard ["127.0.0.1", "localhost", "::1"].contains(address.host) || tokenFile != nil else {
            throw ValidationError("--listen \(listen): listening beyond loopback needs API tokens; give --token-file")
        }
    }

    func run() async throws {
        // Before anything slow: a stop asked for during start-up is kept, not fatal.
        let interrupt = Interrupt()
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label -> any LogHandler in
            json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
        }
        let logger = Logger(label: "baton.host")
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let directory = DataDirectory(path: data)
        // The secret stores are read once, from the connections file as it is at start-up.
        let connectionsFile = connections ?? WorkflowDirectory(path: workflows).registryPath
        // A broken file is reported by the host's first sync; its stores then default to env.
        let registry = connectionsFile.flatMap { try? ConnectionRegistryLoader.load(contentsOf: $0) }
        let log = try directory.openLog()
        defer { log.close() }
        let clock = SystemEngineClock()
        let runtime = try directory.runtime(log, role: "host", clock: clock, registry: registry) { options in
            // A full disk stops nothing: the host waits for space, answering 503 meanwhile.
            options.diskFullRetryMax = .seconds(10)
            options.logger = logger
        }
        let id = runtime.dispatcherID
        do {
            logger.info("host recovering", metadata: ["data": "\(data)"])
            for warning in try runtime.recover() { logger.warning("snapshot skipped", metadata: ["reason": "\(warning)"]) }
            if let signal = interrupt.received {
                logger.info("host stopped during start-up", metadata: ["signal": "\(signal)", "seq": "\(runtime.state.lastSeq)"])
                return
            }
            logger.info("host starting", metadata: ["workflows": "\(workflows)", "data": "\(data)", "dispatcher": "\(id)",
                                                    "seq": "\(runtime.state.lastSeq)", "runs": "\(runtime.state.runs.count)"])
            var hostOptions = HostOptions(workflowsDirectory: workflows)
            hostOptions.connectionsFile = connections
            let host = Host(runtime: runtime, clock: clock, options: hostOptions, logger: logger)
            let (bind, port) = address ?? ("127.0.0.1", 8080)
            let tokens = try tokenFile.map { path throws in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TokenFileError(file: path, line: 0, reason: "cannot read it") }
                return try APITokens(text: text, file: path)
            }
            let api = Application(router: HostAPI.router(runtime: runtime, tokens: tokens, metrics: metrics),
                                  server: HostAPI.server,
                                  configuration: .init(address: .hostname(bind, port: port), serverName: "baton"),
                                  onServerRunning: { channel in
                                      logger.info("API listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")",
                                                                              "port": "\(channel.localAddress?.port ?? port)"])
                                  }, logger: logger)
            let hooks = try webhooks.map { path throws in try Webhooks(file: path) } ?? Webhooks()
            let alerter = Alerter(runtime: runtime, webhooks: hooks, transport: URLSessionWebhookTransport(), clock: clock,
                                  options: AlertOptions(linkBase: publicURL ?? "http://\(listen)"), logger: logger)
            // The signals stay with `interrupt` (installed first); it asks the group to stop.
            let group = ServiceGroup(services: [host, api, alerter], gracefulShutdownSignals: [], logger: logger)
            interrupt.onStop { Task { await group.triggerGracefulShutdown() } }
            try await group.run()
        } catch {
            logger.critical("host failed", metadata: ["error": "\(error)"])
            throw BatonExit.storage
        }
    }
}
