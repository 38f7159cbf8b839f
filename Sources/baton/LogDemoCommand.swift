import ArgumentParser
import BatonLog
import BatonEvents
import Foundation

/// Appends a sample run's events to a log, reads them back, and verifies the chain.
struct LogDemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log-demo",
        abstract: "Append a sample run to the log, read it back, and verify the hash chain.",
        discussion: """
            Shows the durable log at work: every event is acknowledged only after fsync, each \
            record is linked to the one before it by SHA-256, and verification names the first \
            damaged record if there is one.
            """
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .long, help: "How many sample tasks the run has.")
    var tasks = 5

    func run() async throws {
        let log: EventLog
        do {
            log = try EventLog(directory: EventLog.directory(inData: data), clock: SystemLogClock())
        } catch {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
        defer { log.close() }
        let runID = "demo-\(try log.head() + 1)"
        let events = SampleRun.events(runID: runID, tasks: max(1, min(tasks, 1000)))
        let receipt = try await log.append(events.map(EventCodec.encode))
        print("appended \(receipt.count) events (seq \(receipt.firstSeq)...\(receipt.lastSeq)) for run \(runID), fsync'd")
        for record in try log.read(from: receipt.firstSeq, limit: receipt.count) {
            let event = try EventCodec.decode(record.payload, seq: record.seq)
            print("  \(record.seq)  \(event.kindName.padding(toLength: 16, withPad: " ", startingAt: 0))  \(event.summary)  \(record.hash.hex.prefix(12))")
        }
        let report = try log.verifyChain()
        if let bad = report.firstBreak {
            printError("baton: chain broken at \(bad)")
            throw BatonExit.failed
        }
        print("verified \(report.checked) events, chain intact, head \(report.lastSeq) hash \(report.lastHash.hex.prefix(16))")
    }
}

/// The events of a small successful run, for the demo.
enum SampleRun {
    static func events(runID: String, tasks: Int) -> [Baton_V1_Event] {
        var events: [Baton_V1_Event] = []
        var created = Baton_V1_RunCreated()
        created.workflow = "demo"
        created.trigger = .manual
        events.append(.with { $0.runID = runID; $0.actor = "cli"; $0.runCreated = created })
        for index in 0..<tasks {
            let task = "task_\(index)"
            events.append(.with { $0.runID = runID; $0.taskQueued = .with { $0.task = task; $0.attempt = 1 } })
            events.append(.with { $0.runID = runID; $0.taskDispatched = .with { $0.task = task; $0.attempt = 1; $0.platformRunID = "sim-\(index)" } })
            events.append(.with { $0.runID = runID; $0.taskSucceeded = .with { $0.task = task; $0.attempt = 1 } })
        }
        events.append(.with { $0.runID = runID; $0.runFinished = .with { $0.outcome = .succeeded } })
        return events
    }
}

extension Baton_V1_Event {
    /// A short human description for the demo listing.
    var summary: String {
        switch body {
        case .runCreated(let e): return "run \(runID) of \(e.workflow)"
        case .taskQueued(let e): return "\(e.task) attempt \(e.attempt)"
        case .taskDispatched(let e): return "\(e.task) as \(e.platformRunID)"
        case .taskSucceeded(let e): return "\(e.task)"
        case .runFinished(let e): return "run \(runID) \(e.outcome)"
        default: return runID
        }
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
