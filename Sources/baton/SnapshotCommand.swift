import ArgumentParser
import BatonEngine
import Foundation

/// `baton snapshot`: stores the projections so start-up replays only the tail of the log.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write a snapshot of every projection into the data directory.",
        discussion: """
            Start-up (run, status, dispatch, replay --verify) loads the newest snapshot that \
            verifies and replays only the events after it. A snapshot is tied to the chain by the \
            hash of its last event and carries a checksum; one that fails either check is skipped \
            with a warning, never trusted. Safe while other processes write.

            Example:
              baton snapshot --data ./baton-data
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    func run() async throws {
        let log = try DataDirectory(path: data).openLog()
        defer { log.close() }
        let clock = SystemEngineClock()
        let runtime = Runtime(log: log, platforms: .init([:]), clock: clock, options: RuntimeOptions(dispatcherID: "snapshot"))
        do {
            for warning in try runtime.recover() { printError("baton: warning: skipped \(warning)") }
            guard runtime.state.lastSeq > 0 else { return print("nothing to snapshot: the log is empty") }
            let start = ContinuousClock.now
            let seq = try await runtime.writeSnapshot()
            let state = runtime.state
            print("snapshot at seq \(seq): \(state.runs.count) runs, \(state.definitions.count) definitions (\(ContinuousClock.now - start))")
        } catch {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
    }
}
