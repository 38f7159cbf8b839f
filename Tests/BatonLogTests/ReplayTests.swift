import BatonLog
import BatonTestSupport
import Foundation
import Testing

@Suite struct LogReplayTests {
    private func write(_ dir: TemporaryDirectory, count: Int) async throws {
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        _ = try await log.append((1...count).map { Array(String(format: "REPLAY-%06d-payload", $0).utf8) })
        log.close()
    }

    @Test(arguments: [(workers: 1, page: 7), (workers: 2, page: 100), (workers: 4, page: 333)])
    func consumesEveryRecordOnceInOrderAcrossWaves(workers: Int, page: Int) async throws {
        let dir = TemporaryDirectory("replay-order")
        defer { dir.remove() }
        try await write(dir, count: 2_500)
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(readOnly: true))
        defer { log.close() }
        var seen: [UInt64] = []
        let report = try log.replay(from: 5, through: 2_400, workers: workers, pageSize: page, transform: { seq, _, payload in
            String(decoding: payload, as: UTF8.self) == String(format: "REPLAY-%06d-payload", seq)
        }, consume: { record, matches in
            #expect(matches)
            seen.append(record.seq)
        })
        #expect(seen == Array(5...2_400))
        #expect(report.isIntact && report.checked == 2_396 && report.lastSeq == 2_400)
    }

    @Test func aDamagedRecordInALaterWaveStopsReplayRightBeforeIt() async throws {
        let dir = TemporaryDirectory("replay-damage")
        defer { dir.remove() }
        try await write(dir, count: 3_000)
        #expect(try FileDamage.flip("REPLAY-002222-", offset: 14, in: dir.appending("data.mdb")) > 0)
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(readOnly: true))
        defer { log.close() }
        var consumed: UInt64 = 0
        let report = try log.replay(workers: 2, pageSize: 64, transform: { seq, _, _ in seq }, consume: { record, _ in consumed = record.seq })
        #expect(report.firstBreak?.seq == 2_222)
        #expect(consumed == 2_221 && report.checked == 2_221)
    }

    @Test func aThrowingConsumerStopsTheReplay() async throws {
        struct Enough: Error {}
        let dir = TemporaryDirectory("replay-throw")
        defer { dir.remove() }
        try await write(dir, count: 1_000)
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(readOnly: true))
        defer { log.close() }
        #expect(throws: Enough.self) {
            _ = try log.replay(pageSize: 50, transform: { seq, _, _ in seq }, consume: { record, _ in if record.seq == 120 { throw Enough() } })
        }
    }
}
