import ArgumentParser
import BatonEngine
import BatonHost
import BatonPlatforms
import BatonState
import Foundation

/// `baton connections [list|check NAME]`.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "The shared connections: their limits and live usage, and a check that each can be used.",
        subcommands: [ConnectionsListCommand.self, ConnectionsCheckCommand.self],
        defaultSubcommand: ConnectionsListCommand.self
    )

}

/// `baton connections [list]`: every connection with its limits and live usage, from the log.
struct ConnectionsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the connections with their limits and what they hold now, rebuilt from the log.",
        discussion: """
            Shows the connections of the registry in force (the newest connections file a \
            `run`, `dispatch` or `serve` registered; every workflow and process on the data \
            directory shares their limits) and those workflows define for themselves: platform, \
            where it is defined, slots in flight against max_in_flight, queued, held (waiting \
            for room in a full queue), the queue profile (waiting against queue.max, on_full, \
            queue.timeout), dispatches in the current rate window against the rate, and a \
            throttle pause if one is on. Opens the log read-only. The same fields are in `GET /v1/connections`.

            Examples:
              baton connections
              baton connections --data /var/lib/baton --json
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Flag(name: .long, help: "Print JSON (the shape of GET /v1/connections).")
    var json = false

    func run() async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let rows = ConnectionJSON.all(try DataDirectory(path: data).readState(reader: "connections"), now: now)
        if json {
            print(try RunJSON.encode(["connections": rows]))
            return
        }
        guard !rows.isEmpty else {
            print("no connections in \(data)")
            return
        }
        let header = ["CONNECTION", "PLATFORM", "IN FLIGHT", "QUEUED", "HELD", "QUEUE", "RATE WINDOW", "THROTTLED UNTIL", "DEFINED IN"]
        let table = rows.map { row -> [String] in
            let inFlight = "\(row["in_flight"] ?? 0)/\(row["max_in_flight"].map { "\($0)" } ?? "-")"
            let window = row["rate"].map { "\(row["window_used"] ?? 0) of \($0)" } ?? "-"
            let throttled = (row["throttled_until_us"] as? Int64).map { EventDescription.formatTime($0) } ?? "-"
            return ["\(row["name"] ?? "")", "\(row["platform"] ?? "?")", inFlight, "\(row["queued"] ?? 0)", "\(row["held"] ?? 0)",
                    Self.profile(row["queue"] as? [String: Any]), window, throttled, "\(row["defined_in"] ?? "-")"]
        }
        let widths = header.indices.map { column in ([header] + table).map { $0[column].count }.max() ?? 0 }
        for line in [header] + table {
            print(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}

extension ConnectionsListCommand {
    /// `5/500 reject, timeout 2h` for a bounded queue, `-` for one without a bound or timeout.
    static func profile(_ queue: [String: Any]?) -> String {
        guard let queue else { return "-" }
        var parts: [String] = []
        if let max = queue["max"] { parts.append("\(queue["waiting"] ?? 0)/\(max) \(queue["on_full"] ?? "wait")") }
        if let timeout = queue["timeout"] { parts.append("timeout \(timeout)") }
        return parts.isEmpty ? "-" : parts.joined(separator: ", ")
    }
}

/// `baton connections check NAME`: the platform's cheapest read, timed.
struct ConnectionsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that a connection can be used: the platform's cheapest authenticated read, with its latency.",
        discussion: """
            Looks the connection up as the engine would (the registry in force, else a workflow \
            that defines it) and asks its platform for the cheapest read that proves it can be \
            used: for `process`, that the attempt directory can be written and /bin/sh run; for \
            `sim`, nothing is reached. Prints OK with the latency, or the error's class and \
            message (never a secret).

            Exit status: 0 OK, 1 the check failed, 2 no such connection.

            Examples:
              baton connections check local
            """
    )

    @Argument(help: "The connection's name.")
    var name: String

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    func run() async throws {
        let directory = DataDirectory(path: data)
        let state = try directory.readState(reader: "connections")
        let specs = ConnectionJSON.specs(state)
        guard let spec = specs[name]?.spec else {
            let known = specs.keys.sorted()
            printError("baton: no connection \(name) in \(data)" + (known.isEmpty ? " (none is defined yet)" : " (known: \(known.joined(separator: ", ")))"))
            throw BatonExit.badInput
        }
        let clock = SystemEngineClock()
        let log = try directory.openLog(readOnly: true)
        defer { log.close() }
        let platform: any Platform
        do {
            // The secrets of the registry in force, as a dispatcher on this directory would have them.
            let runtime = try directory.runtime(log, role: "check", clock: clock, registry: state.registry?.registry)
            platform = try runtime.platform(connection: name, spec: spec)
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("baton: \(error)")
            throw BatonExit.badInput
        }
        let started = ContinuousClock.now
        do {
            let what = try await platform.check()
            print("\(name): OK in \(Self.milliseconds(ContinuousClock.now - started)): \(what)")
        } catch {
            print("\(name): failed in \(Self.milliseconds(ContinuousClock.now - started)): \(error)")
            throw BatonExit.failed
        }
    }

    static func milliseconds(_ duration: Duration) -> String {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        return String(format: "%.1f ms", Double(micros) / 1_000)
    }
}
