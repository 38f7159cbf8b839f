import ArgumentParser
import BatonEvents
import BatonLog
import Foundation

/// A crash-test child: appends events one durable append at a time and prints each
/// acknowledged sequence number, so a parent that SIGKILLs it knows what was acknowledged.
struct DebugAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug-append",
        abstract: "Append tagged events and print each acknowledged sequence (test harness).",
        shouldDisplay: false
    )

    @Option(name: .long, help: "The data directory.")
    var data = "./baton-data"

    @Option(name: .long, help: "A tag written into every payload.")
    var tag = "w"

    @Option(name: .long, help: "How many appends (0 = until killed).")
    var count = 0

    @Option(name: .long, help: "Events per append.")
    var batch = 1

    @Flag(name: .long, help: "Write valid Baton events (ConnectionThrottled on connection <tag>, reason <tag>-<index>-<k>), so projections, snapshots and compaction accept the log.")
    var events = false

    func run() async throws {
        let log = try EventLog(directory: EventLog.directory(inData: data), clock: SystemLogClock())
        defer { log.close() }
        var index = 0
        while count == 0 || index < count {
            let payloads = (0..<max(1, batch)).map { k in
                events ? EventCodec.encode(.with {
                    $0.actor = "debug-append"
                    $0.connectionThrottled = .with { $0.connection = tag; $0.reason = "\(tag)-\(index)-\(k)" }
                }) : Array("\(tag)-\(index)-\(k)".utf8)
            }
            let receipt = try await log.append(payloads)
            // One line per acknowledged append: "ack <first> <last> <tag>-<index>".
            // Unbuffered, so a SIGKILL right after cannot swallow an acknowledged line.
            FileHandle.standardOutput.write(Data("ack \(receipt.firstSeq) \(receipt.lastSeq) \(tag)-\(index)\n".utf8))
            index += 1
        }
    }
}
