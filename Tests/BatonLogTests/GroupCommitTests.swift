@testable import BatonLog
import BatonTestSupport
import Foundation
import Testing

@Suite struct GroupCommitTests {
    @Test func sixtyFourConcurrentAppendersProduceAGapFreeLogWithEveryEventOnce() async throws {
        let dir = TemporaryDirectory("concurrent")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        defer { log.close() }
        let callers = 64
        let perCaller = 20
        let receipts = try await withThrowingTaskGroup(of: [AppendReceipt].self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var mine: [AppendReceipt] = []
                    for index in 0..<perCaller {
                        mine.append(try await log.append([Array("c\(caller)-\(index)".utf8)]))
                    }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let total = callers * perCaller
        #expect(Set(receipts.map(\.firstSeq)).count == total)
        let records = try log.read(from: 1, limit: total + 10)
        #expect(records.map(\.seq) == Array(1...UInt64(total)))
        let payloads = records.map { String(decoding: $0.payload, as: UTF8.self) }
        #expect(Set(payloads).count == total)
        for caller in 0..<callers {
            // Each caller's events appear in the order it appended them.
            let own = payloads.filter { $0.hasPrefix("c\(caller)-") }
            #expect(own == (0..<perCaller).map { "c\(caller)-\($0)" })
        }
        #expect(try log.verifyChain().isIntact)
    }

    @Test func decideRunsInsideTheLockAndSeesEveryEarlierEvent() async throws {
        let dir = TemporaryDirectory("decide")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        defer { log.close() }
        // Each decider records the head it saw; serializable decisions mean every event says
        // exactly the sequence number before it.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    _ = try await log.append(deciding: { view in
                        let seen = try view.records(from: max(view.head, 1), limit: 1)
                        #expect(view.head == 0 || seen.first?.seq == view.head)
                        return [Array("saw \(view.head)".utf8)]
                    })
                }
            }
            try await group.waitForAll()
        }
        for record in try log.read(from: 1, limit: 100) {
            #expect(String(decoding: record.payload, as: UTF8.self) == "saw \(record.seq - 1)")
        }
        #expect(try log.head() == 32)
    }

    @Test func aThrowingDecisionFailsAloneAndWritesNothing() async throws {
        struct Refused: Error {}
        let dir = TemporaryDirectory("decide-fail")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        defer { log.close() }
        async let good = log.append([Array("good".utf8)])
        async let bad: AppendReceipt = log.append(deciding: { _ in throw Refused() })
        let badResult: Result<AppendReceipt, any Error>
        do { badResult = .success(try await bad) } catch { badResult = .failure(error) }
        guard case .failure(let error) = badResult, case LogError.decisionFailed = error else {
            Issue.record("expected decisionFailed, got \(badResult)")
            return
        }
        let goodReceipt = try await good
        #expect(goodReceipt.count == 1)
        #expect(try log.head() == 1)
    }

    @Test func theMapGrowsInsteadOfFailing() async throws {
        let dir = TemporaryDirectory("grow")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(initialMapBytes: 256 << 10))
        defer { log.close() }
        let chunk = Array(repeating: [UInt8](repeating: 7, count: 2_000), count: 500)
        for _ in 0..<8 { _ = try await log.append(chunk) }
        #expect(try log.head() == 4_000)
        #expect(try log.verifyChain().checked == 4_000)
    }

    @Test func reachingTheMapLimitIsAClearErrorAndKeepsAcknowledgedEvents() async throws {
        let dir = TemporaryDirectory("limit")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(initialMapBytes: 256 << 10, maxMapBytes: 1 << 20))
        defer { log.close() }
        let chunk = Array(repeating: [UInt8](repeating: 7, count: 2_000), count: 100)
        var acknowledged: UInt64 = 0
        var failure: LogError?
        for _ in 0..<20 {
            do {
                acknowledged = try await log.append(chunk).lastSeq
            } catch {
                failure = error
                break
            }
        }
        guard case .mapLimitReached(let path, _) = failure else {
            Issue.record("expected mapLimitReached, got \(String(describing: failure))")
            return
        }
        #expect(path == dir.path)
        #expect(acknowledged > 0)
        #expect(try log.head() == acknowledged)
        #expect(try log.verifyChain().isIntact)
    }
}

@Suite struct SnapshotStoreTests {
    @Test func aSnapshotLargerThanTheMapGrowsItInsteadOfBreakingTheTransaction() async throws {
        let dir = TemporaryDirectory("snap-grow")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(initialMapBytes: 256 << 10))
        defer { log.close() }
        _ = try await log.append([Array("e1".utf8)])
        let payload = [UInt8](repeating: 0x5a, count: 3 << 20)
        try await log.writeSnapshot(seq: 1, payload: payload)
        guard case .success(let stored) = try log.snapshot(at: 1) else {
            Issue.record("the snapshot did not verify")
            return
        }
        #expect(stored.payload == payload)
        #expect(try log.snapshotSeqs() == [1])
        _ = try await log.append([Array("e2".utf8)])
        #expect(try log.head() == 2)
    }

    @Test func aSnapshotOfASequenceNotInTheLogIsRefused() async throws {
        let dir = TemporaryDirectory("snap-range")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        defer { log.close() }
        _ = try await log.append([Array("e1".utf8)])
        await #expect(throws: LogError.self) { try await log.writeSnapshot(seq: 5, payload: [1]) }
        #expect(try log.snapshotSeqs().isEmpty)
    }
}
