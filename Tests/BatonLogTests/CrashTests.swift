import BatonLog
import BatonTestSupport
import Foundation
import Testing

/// SIGKILLs a real appending process at random moments and checks that nothing acknowledged is
/// lost and the chain still verifies.
@Suite struct CrashTests {
    /// How many kills one test run makes.
    static let kills = 24

    @Test func sigkillAtRandomMomentsLosesNoAcknowledgedEvent() throws {
        let dir = TemporaryDirectory("crash")
        defer { dir.remove() }
        var generator = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.processIdentifier))
        var acknowledged: [UInt64: String] = [:]
        for round in 0..<Self.kills {
            let child = try AppendingChild(data: dir.path, tag: "r\(round)", batch: Int.random(in: 1...8, using: &generator))
            // Let it acknowledge at least one append, then kill it somewhere in the middle of the next ones.
            let wanted = Int.random(in: 1...30, using: &generator)
            child.waitForAcks(atLeast: wanted)
            usleep(UInt32.random(in: 0...20_000, using: &generator))
            let acks = child.kill()
            #expect(!acks.isEmpty, "round \(round): the child acknowledged nothing")
            for ack in acks {
                for seq in ack.first...ack.last { acknowledged[seq] = ack.label }
            }
            try checkLog(at: dir.path, acknowledged: acknowledged, round: round)
        }
    }

    private func checkLog(at path: String, acknowledged: [UInt64: String], round: Int) throws {
        let log = try EventLog(directory: EventLog.directory(inData: path), clock: SystemLogClock())
        defer { log.close() }
        let head = try log.head()
        var seen: [UInt64] = []
        try log.forEach(from: 1) { record in
            seen.append(record.seq)
            if let label = acknowledged[record.seq] {
                #expect(String(decoding: record.payload, as: UTF8.self).hasPrefix(label + "-"), "round \(round): seq \(record.seq)")
            }
        }
        #expect(seen == Array(stride(from: 1, through: head, by: 1)), "round \(round): gap in the log")
        #expect(acknowledged.keys.allSatisfy { $0 <= head }, "round \(round): an acknowledged event is missing")
        let report = try log.verifyChain()
        #expect(report.isIntact, "round \(round): \(String(describing: report.firstBreak))")
    }
}

/// A `baton debug-append` child whose acknowledgements are read line by line.
final class AppendingChild: @unchecked Sendable {
    // Safety: `lines` and `buffer` are touched only with `lock` held.
    struct Ack: Sendable {
        let first: UInt64
        let last: UInt64
        let label: String
    }

    private let process = Process()
    private let pipe = Pipe()
    private let lock = NSCondition()
    private var acks: [Ack] = []
    private var buffer = Data()

    init(data: String, tag: String, batch: Int, count: Int = 0) throws {
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path(of: "baton"))
        process.arguments = ["debug-append", "--data", data, "--tag", tag, "--batch", "\(batch)", "--count", "\(count)"]
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.consume(handle.availableData)
        }
        try process.run()
    }

    private func consume(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            let fields = line.split(separator: " ")
            if fields.count == 4, fields[0] == "ack", let first = UInt64(fields[1]), let last = UInt64(fields[2]) {
                acks.append(Ack(first: first, last: last, label: String(fields[3])))
            }
        }
        lock.broadcast()
    }

    /// Blocks until `count` acknowledgements arrived (or 30 s passed, or the child ended).
    func waitForAcks(atLeast count: Int) {
        let deadline = Date().addingTimeInterval(30)
        lock.lock()
        while acks.count < count && process.isRunning && Date() < deadline {
            _ = lock.wait(until: Date().addingTimeInterval(0.05))
        }
        lock.unlock()
    }

    /// Waits for a normal exit and returns every acknowledgement.
    func waitForExit() -> [Ack] {
        process.waitUntilExit()
        return finish()
    }

    /// SIGKILLs the child and returns every acknowledgement it printed before dying.
    func kill() -> [Ack] {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return finish()
    }

    private func finish() -> [Ack] {
        pipe.fileHandleForReading.readabilityHandler = nil
        consume(pipe.fileHandleForReading.readDataToEndOfFile())
        lock.lock()
        defer { lock.unlock() }
        return acks
    }
}
