import ArgumentParser
import BatonEngine
import BatonHost
import BatonPlatforms
import Foundation

/// `baton connections`: every connection with its limits and live usage, from the log.
struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "List the connections with their limits and what they hold now, rebuilt from the log.",
        discussion: """
            Shows the connections of the registry in force (the newest connections file a \
            `run`, `dispatch` or `serve` registered; every workflow and process on the data \
            directory shares their limits) and those workflows define for themselves: platform, \
            where it is defined, in flight against max_in_flight, queued, dispatches in the \
            current rate window against the rate, and a throttle pause if one is on. Opens the \
            log read-only. The same fields are in `GET /v1/connections`.

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
        let log = try DataDirectory(path: data).openLog(readOnly: true)
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: SystemEngineClock(), options: RuntimeOptions(dispatcherID: "connections"))
        do {
            try runtime.recover()
        } catch {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        let rows = ConnectionJSON.all(runtime.state, now: now)
        if json {
            print(try RunJSON.encode(["connections": rows]))
            return
        }
        guard !rows.isEmpty else {
            print("no connections in \(data)")
            return
        }
        let header = ["CONNECTION", "PLATFORM", "IN FLIGHT", "QUEUED", "RATE WINDOW", "THROTTLED UNTIL", "DEFINED IN"]
        let table = rows.map { row -> [String] in
            let inFlight = "\(row["in_flight"] ?? 0)/\(row["max_in_flight"].map { "\($0)" } ?? "-")"
            let window = row["rate"].map { "\(row["window_used"] ?? 0) of \($0)" } ?? "-"
            let throttled = (row["throttled_until_us"] as? Int64).map { EventDescription.formatTime($0) } ?? "-"
            return ["\(row["name"] ?? "")", "\(row["platform"] ?? "?")", inFlight, "\(row["queued"] ?? 0)", window, throttled, "\(row["defined_in"] ?? "-")"]
        }
        let widths = header.indices.map { column in ([header] + table).map { $0[column].count }.max() ?? 0 }
        for line in [header] + table {
            print(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }
}
