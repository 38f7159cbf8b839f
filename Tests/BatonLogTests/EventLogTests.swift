@testable import BatonLog
import BatonTestSupport
import Foundation
import Testing

@Suite struct EventLogTests {
    private func payload(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func newLogIsEmptyWithHeadZero() throws {
        let dir = TemporaryDirectory("empty")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        #expect(try log.head() == 0)
        #expect(try log.firstSeq() == 1)
        #expect(try log.read(from: 1, limit: 10).isEmpty)
        #expect(try log.verifyChain().checked == 0)
    }

    @Test func appendAssignsGapFreeSequencesAndReadsBack() async throws {
        let dir = TemporaryDirectory("append")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        let first = try await log.append([payload("a"), payload("b")])
        let second = try await log.append([payload("c")])
        #expect(first.firstSeq == 1 && first.lastSeq == 2 && first.count == 2)
        #expect(second.firstSeq == 3 && second.lastSeq == 3)
        let records = try log.read(from: 1, limit: 100)
        #expect(records.map(\.seq) == [1, 2, 3])
        #expect(records.map { String(decoding: $0.payload, as: UTF8.self) } == ["a", "b", "c"])
        #expect(try log.read(from: 2, limit: 1).map(\.seq) == [2])
        #expect(try log.head() == 3)
    }

    @Test func emptyAppendWritesNothing() async throws {
        let dir = TemporaryDirectory("empty-append")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        _ = try await log.append([payload("x")])
        let receipt = try await log.append([])
        #expect(receipt.count == 0 && receipt.lastSeq == 1)
        #expect(try log.head() == 1)
    }

    @Test func onlyCommitsThatAppendCount() async throws {
        let dir = TemporaryDirectory("commits")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        _ = try await log.append([])
        _ = try await log.append(deciding: { _ in [] })
        #expect(log.commitCount == 0)
        _ = try await log.append([payload("a"), payload("b")])
        #expect(log.commitCount == 1)
    }

    @Test func eventTimeNeverGoesBackwardsWhenTheClockDoes() async throws {
        let dir = TemporaryDirectory("time")
        defer { dir.remove() }
        let clock = ManualLogClock(start: 5_000)
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        _ = try await log.append([payload("a")])
        clock.set(1_000)
        _ = try await log.append([payload("b")])
        clock.set(9_000)
        _ = try await log.append([payload("c")])
        #expect(try log.read(from: 1, limit: 3).map(\.timeMicros) == [5_000, 5_000, 9_000])
    }

    @Test func reopenKeepsEverythingAndContinuesTheChain() async throws {
        let dir = TemporaryDirectory("reopen")
        defer { dir.remove() }
        do {
            let log = try EventLog(directory: dir.path, clock: ManualLogClock())
            _ = try await log.append((0..<10).map { payload("e\($0)") })
            log.close()
        }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        #expect(try log.head() == 10)
        _ = try await log.append([payload("after")])
        let report = try log.verifyChain()
        #expect(report.isIntact && report.checked == 11 && report.lastSeq == 11)
    }

    @Test func readBelowTheFloorIsAnError() throws {
        let dir = TemporaryDirectory("floor")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        #expect(throws: LogError.self) { try log.read(from: 0, limit: 1) }
    }

    @Test func readOnlyLogRefusesAppends() async throws {
        let dir = TemporaryDirectory("ro")
        defer { dir.remove() }
        do {
            let log = try EventLog(directory: dir.path, clock: ManualLogClock())
            _ = try await log.append([payload("a")])
            log.close()
        }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock(), options: .init(readOnly: true))
        defer { log.close() }
        #expect(try log.head() == 1)
        await #expect(throws: LogError.readOnly(path: dir.path)) { _ = try await log.append([payload("b")]) }
    }

    @Test func readOnlyOpenOfAMissingLogNamesTheDirectory() throws {
        let dir = TemporaryDirectory("ro-missing")
        defer { dir.remove() }
        do {
            _ = try EventLog(directory: dir.path, clock: ManualLogClock(), options: .init(readOnly: true))
            Issue.record("opened a log that does not exist")
        } catch {
            #expect(error.description.contains(dir.path))
        }
    }

    @Test func aFileWhereTheDirectoryShouldBeIsAClearError() throws {
        let dir = TemporaryDirectory("not-dir")
        defer { dir.remove() }
        let file = dir.appending("plain-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        do {
            _ = try EventLog(directory: file, clock: ManualLogClock())
            Issue.record("opened a log inside a regular file")
        } catch {
            guard case .directoryUnusable(let path, _) = error else {
                Issue.record("expected directoryUnusable, got \(error)")
                return
            }
            #expect(path == file)
        }
    }

    @Test func newerFormatVersionIsRefused() async throws {
        let dir = TemporaryDirectory("format")
        defer { dir.remove() }
        do {
            let environment = try LMDBEnvironment.open(path: dir.path, readOnly: false, initialMapBytes: 1 << 20, maxMapBytes: 1 << 20)
            try environment.openDatabases(formatVersion: 99)
            environment.close()
        }
        #expect(throws: LogError.unsupportedFormat(path: dir.path, found: 99, supported: EventLog.formatVersion)) {
            _ = try EventLog(directory: dir.path, clock: ManualLogClock())
        }
    }

    @Test func tooLargeEventFailsOnlyItsOwnAppend() async throws {
        let dir = TemporaryDirectory("large")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        let huge = [UInt8](repeating: 1, count: BatchWriter.eventBytesMax + 1)
        await #expect(throws: LogError.self) { _ = try await log.append([huge]) }
        #expect(try await log.append([payload("fine")]).lastSeq == 1)
    }

    @Test func waitForHeadResumesAfterAnAppend() async throws {
        let dir = TemporaryDirectory("tail")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: ManualLogClock())
        defer { log.close() }
        async let seen = log.waitForHead(above: 0)
        _ = try await log.append([payload("wake")])
        #expect(await seen == 1)
        #expect(await log.waitForHead(above: 0) == 1)
    }
}
