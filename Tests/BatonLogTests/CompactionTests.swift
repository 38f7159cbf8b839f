@testable import BatonLog
import BatonTestSupport
import Foundation
import Testing

/// Compaction at the log level: archive segments, the moving floor, replay across both, and
/// every way an archive can be wrong.
@Suite struct CompactionTests {
    /// A payload whose bytes name its position, so damage can be aimed at one event.
    static func payload(_ index: Int) -> [UInt8] { Array(String(format: "EVENT-%06d-", index).utf8) + [UInt8](repeating: 7, count: 60) }

    private func makeLog(_ dir: TemporaryDirectory, events: Int) async throws -> EventLog {
        let log = try EventLog(directory: dir.appending("log"), clock: SystemLogClock())
        var next = 1
        while next <= events {
            let count = min(250, events - next + 1)
            _ = try await log.append((next..<(next + count)).map(Self.payload))
            next += count
        }
        return log
    }

    private func everything(_ log: EventLog, from seq: UInt64 = 1) throws -> ([LogRecord], ChainReport) {
        var records: [LogRecord] = []
        let report = try log.verifyChain(from: seq) { records.append($0) }
        return (records, report)
    }

    @Test func compactedEventsReplayFromTheArchiveAsOneChain() async throws {
        let dir = TemporaryDirectory("compact")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 3_000)
        defer { log.close() }
        let (before, _) = try everything(log)
        try await log.writeSnapshot(seq: 1_000, payload: [1])
        try await log.writeSnapshot(seq: 2_000, payload: [2])
        var steps: [CompactionStep] = []
        let report = try await log.compact(through: 2_000, archive: dir.appending("archive"), segmentBytesMax: 40_000) { steps.append($0) }
        #expect(report.archivedEvents == 2_000 && report.removedEvents == 2_000 && report.firstLiveSeq == 2_001)
        #expect(report.segments.count > 2, "small segments: \(report.segments)")
        #expect(steps.contains(.verified(events: 2_000)) && steps.last == .pruned(firstLiveSeq: 2_001))
        #expect(try log.firstSeq() == 2_001)
        #expect(try log.archiveDirectory() == dir.appending("archive"))
        // The snapshot the floor sits on still verifies; older ones are gone.
        #expect(try log.snapshotSeqs() == [2_000])
        guard case .success = try log.snapshot(at: 2_000) else { Issue.record("snapshot at the floor does not verify"); return }
        _ = try await log.append([Self.payload(3_001)])
        let (after, chain) = try everything(log)
        #expect(chain.isIntact && chain.checked == 3_001)
        #expect(Array(after.prefix(3_000)) == before)
        // A replay starting inside the archive, or in the live log, sees the same records.
        let (middle, _) = try everything(log, from: 1_500)
        #expect(middle.first == before[1_499] && middle.count == 1_502)
        #expect(try everything(log, from: 2_500).0.first == before[2_499])
    }

    @Test func anInterruptedCompactionIsFinishedByTheNext() async throws {
        let dir = TemporaryDirectory("compact-resume")
        defer { dir.remove() }
        let logDir = dir.appending("log")
        let saved = dir.appending("saved")
        var log = try await makeLog(dir, events: 1_200)
        log.close()
        try FileManager.default.copyItem(atPath: logDir, toPath: saved)
        log = try EventLog(directory: logDir, clock: SystemLogClock())
        _ = try await log.compact(through: 800, archive: dir.appending("archive"))
        log.close()
        // Put back the live log as it was before pruning: archived, but not yet removed (a crash
        // between sealing and pruning), plus a temporary file from a crash while writing.
        try FileManager.default.removeItem(atPath: logDir)
        try FileManager.default.moveItem(atPath: saved, toPath: logDir)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.appending("archive/.writing-801")))
        log = try EventLog(directory: logDir, clock: SystemLogClock(), options: .init(archiveDirectory: dir.appending("archive")))
        defer { log.close() }
        #expect(try everything(log).1.checked == 1_200)
        let again = try await log.compact(through: 1_000, archive: dir.appending("archive"))
        #expect(again.archivedEvents == 200, "only what the archive lacked")
        #expect(again.removedEvents == 1_000 && again.firstLiveSeq == 1_001)
        #expect(!FileManager.default.fileExists(atPath: dir.appending("archive/.writing-801")))
        let (records, chain) = try everything(log)
        #expect(chain.isIntact && records.count == 1_200)
        #expect(records.map(\.seq) == Array(1...1_200))
    }

    @Test func aFlippedByteInASegmentRecordIsNamedBySeqAndFile() async throws {
        let dir = TemporaryDirectory("compact-flip")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 500)
        defer { log.close() }
        let report = try await log.compact(through: 400, archive: dir.appending("archive"))
        let segment = try #require(report.segments.first)
        #expect(try FileDamage.flip("EVENT-000123-", offset: 13, in: segment) == 1)
        let (_, chain) = try everything(log)
        #expect(chain.firstBreak?.seq == 123)
        #expect(chain.firstBreak?.reason.contains("events-00000000000000000001-00000000000000000400.segment") == true)
        #expect(chain.checked == 122)
    }

    @Test func damageOutsideTheRecordsIsCaughtByTheFooterChecksum() async throws {
        let dir = TemporaryDirectory("compact-footer")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 50)
        defer { log.close() }
        let segment = try #require(try await log.compact(through: 50, archive: dir.appending("archive")).segments.first)
        // The reserved header word is covered only by the checksum.
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: segment)))
        bytes[13] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: segment))
        let (_, chain) = try everything(log)
        #expect(chain.firstBreak?.reason.contains("footer checksum") == true)
        // A cut-off segment is not sealed at all.
        try Data(bytes.prefix(bytes.count - 10)).write(to: URL(fileURLWithPath: segment))
        #expect(throws: ArchiveError.self) { try everything(log) }
    }

    @Test func aMissingSegmentIsNamed() async throws {
        let dir = TemporaryDirectory("compact-link")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 600)
        defer { log.close() }
        let report = try await log.compact(through: 600, archive: dir.appending("archive"), segmentBytesMax: 20_000)
        #expect(report.segments.count >= 3)
        try FileManager.default.removeItem(atPath: report.segments[1])
        do {
            _ = try everything(log)
            Issue.record("replayed across a missing segment")
        } catch let error as ArchiveError {
            #expect(error.description.contains("are missing (next segment: \(URL(fileURLWithPath: report.segments[2]).lastPathComponent))"))
        }
    }

    @Test func aDifferentArchiveDirectoryIsRefused() async throws {
        let dir = TemporaryDirectory("compact-dir")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 100)
        defer { log.close() }
        _ = try await log.compact(through: 50, archive: dir.appending("a"))
        do {
            _ = try await log.compact(through: 90, archive: dir.appending("b"))
            Issue.record("compacted into a second archive directory")
        } catch {
            #expect(String(describing: error).contains("this log archives to \(dir.appending("a"))"))
        }
        #expect(try log.firstSeq() == 51)
    }

    @Test func anArchiveOfAnotherLogIsRefused() async throws {
        let dir = TemporaryDirectory("compact-foreign")
        defer { dir.remove() }
        let other = try EventLog(directory: dir.appending("other"), clock: SystemLogClock())
        _ = try await other.append((1...100).map { Array("other-\($0)".utf8) })
        _ = try await other.compact(through: 60, archive: dir.appending("archive"))
        other.close()
        let log = try await makeLog(dir, events: 100)
        defer { log.close() }
        do {
            _ = try await log.compact(through: 80, archive: dir.appending("archive"))
            Issue.record("compacted onto another log's archive")
        } catch {
            #expect(String(describing: error).contains("belongs to another log"))
        }
        #expect(try log.firstSeq() == 1)
    }

    @Test func compactingBeyondTheHeadIsRefused() async throws {
        let dir = TemporaryDirectory("compact-head")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 10)
        defer { log.close() }
        await #expect(throws: LogError.self) { try await log.compact(through: 11, archive: dir.appending("archive")) }
    }

    @Test func shrinkRefusesWhileTheLogIsOpenAndKeepsEveryEvent() async throws {
        let dir = TemporaryDirectory("shrink")
        defer { dir.remove() }
        let log = try await makeLog(dir, events: 20_000)
        _ = try await log.compact(through: 19_000, archive: dir.appending("archive"))
        #expect(throws: LogError.self) { try EventLog.shrink(directory: dir.appending("log")) }
        log.close()
        let report = try EventLog.shrink(directory: dir.appending("log"))
        #expect(report.bytesAfter < report.bytesBefore / 2, "\(report)")
        #expect(report.head == 20_000)
        let reopened = try EventLog(directory: dir.appending("log"), clock: SystemLogClock())
        defer { reopened.close() }
        let (records, chain) = try everything(reopened)
        #expect(chain.isIntact && records.count == 20_000)
        _ = try await reopened.append([Self.payload(20_001)])
        #expect(try reopened.head() == 20_001)
    }

    @Test(arguments: [
        ("events-00000000000000000001-00000000000000000400.segment", 1...400 as ClosedRange<UInt64>?),
        ("events-00000000000000000401-00000000000000000400.segment", nil),
        ("events-00000000000000000000-00000000000000000004.segment", nil),
        (".writing-401", nil),
        ("events-1-2.tmp", nil),
    ])
    func segmentNamesParseOnlyWhenWellFormed(name: String, range: ClosedRange<UInt64>?) {
        #expect(ArchiveSegment.range(ofFileName: name) == range)
    }
}
