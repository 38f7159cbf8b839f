import BatonLog
import BatonTestSupport
import Foundation
import Testing

@Suite struct MultiProcessTests {
    @Test func twoProcessesAppendingToOneDirectoryStayGapFreeAndTotallyOrdered() async throws {
        let dir = TemporaryDirectory("multi")
        defer { dir.remove() }
        let perProcess = 150
        let a = try AppendingChild(data: dir.path, tag: "pa", batch: 1, count: perProcess)
        let b = try AppendingChild(data: dir.path, tag: "pb", batch: 3, count: perProcess)
        // This process appends too, while both children run.
        let log = try EventLog(directory: EventLog.directory(inData: dir.path), clock: SystemLogClock())
        defer { log.close() }
        for index in 0..<50 { _ = try await log.append([Array("me-\(index)-0".utf8)]) }
        let acksA = await a.waitForExit()
        let acksB = await b.waitForExit()
        #expect(acksA.count == perProcess && acksB.count == perProcess)

        let expectedTotal = perProcess * 1 + perProcess * 3 + 50
        let records = try log.read(from: 1, limit: expectedTotal + 10)
        #expect(records.map(\.seq) == Array(1...UInt64(expectedTotal)))
        let payloads = records.map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(Set(payloads).count == expectedTotal)
        // Every acknowledgement points at exactly the events its writer wrote.
        for ack in acksA + acksB {
            for seq in ack.first...ack.last {
                #expect(payloads[Int(seq) - 1].hasPrefix(ack.label + "-"))
            }
        }
        // A writer's batch is contiguous: one transaction, never interleaved.
        for ack in acksB { #expect(ack.last - ack.first == 2) }
        #expect(try log.verifyChain().isIntact)
    }
}
