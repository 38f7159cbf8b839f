import BatonLog
import BatonTestSupport
import Foundation
import Testing

@Suite struct CorruptionTests {
    /// Writes 40 events whose payloads are unique, recognisable strings, and closes the log.
    private func writeLog(_ dir: TemporaryDirectory) async throws {
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        _ = try await log.append((1...40).map { Array(String(format: "EVENT-%04d-payload-bytes", $0).utf8) })
        log.close()
    }

    @Test(arguments: [1, 7, 23, 40])
    func flippingOneByteOfAStoredEventNamesExactlyThatSequence(seq: Int) async throws {
        let dir = TemporaryDirectory("flip")
        defer { dir.remove() }
        try await writeLog(dir)
        #expect(try FileDamage.flip(String(format: "EVENT-%04d-", seq), offset: 12, in: dir.appending("data.mdb")) > 0)
        let log = try EventLog(directory: dir.path, clock: SystemLogClock(), options: .init(readOnly: true))
        defer { log.close() }
        let report = try log.verifyChain()
        #expect(report.firstBreak?.seq == UInt64(seq))
        #expect(report.checked == UInt64(seq - 1))
    }

    @Test func truncatedDataFileIsAClearError() async throws {
        let dir = TemporaryDirectory("truncate")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        _ = try await log.append((1...3000).map { Array(String(format: "EVENT-%06d-", $0).utf8) + [UInt8](repeating: 1, count: 100) })
        log.close()
        let file = dir.appending("data.mdb")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.truncate(atOffset: 16_384)
        try handle.close()
        do {
            _ = try EventLog(directory: dir.path, clock: SystemLogClock())
            Issue.record("opened a truncated log")
        } catch {
            guard case .corruptStore(let path, let reason) = error else {
                Issue.record("expected corruptStore, got \(error)")
                return
            }
            #expect(path == dir.path)
            #expect(reason.contains("truncated"))
        }
    }

    @Test func garbageDataFileIsAClearError() throws {
        let dir = TemporaryDirectory("garbage")
        defer { dir.remove() }
        var generator = SeededGenerator(seed: 7)
        let garbage = Data((0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try garbage.write(to: URL(fileURLWithPath: dir.appending("data.mdb")))
        do {
            _ = try EventLog(directory: dir.path, clock: SystemLogClock())
            Issue.record("opened a garbage file as a log")
        } catch {
            guard case .corruptStore(let path, _) = error else {
                Issue.record("expected corruptStore, got \(error)")
                return
            }
            #expect(path == dir.path)
        }
    }
}
