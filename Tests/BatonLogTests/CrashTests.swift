import BatonLog
import BatonTestSupport
import Foundation
import Testing

/// SIGKILLs a real appending process at random moments and checks that nothing acknowledged is
/// lost and the chain still verifies.
@Suite struct CrashTests {
    /// How many kills one test run makes.
    static let kills = 24

    @Test func sigkillAtRandomMomentsLosesNoAcknowledgedEvent() async throws {
        let dir = TemporaryDirectory("crash")
        defer { dir.remove() }
        var generator = SeededGenerator(seed: UInt64(ProcessInfo.processInfo.processIdentifier))
        var acknowledged: [UInt64: String] = [:]
        for round in 0..<Self.kills {
            let child = try AppendingChild(data: dir.path, tag: "r\(round)", batch: Int.random(in: 1...8, using: &generator))
            // Let it acknowledge at least one append, then kill it somewhere in the middle of the next ones.
            let wanted = Int.random(in: 1...30, using: &generator)
            await child.waitForAcks(atLeast: wanted)
            try await Task.sleep(for: .microseconds(Int.random(in: 0...20_000, using: &generator)))
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

