@testable import BatonEngine
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Testing

@Suite struct SnapshotRecoveryTests {
    static let workflow = """
        name: snap
        connections:
          simc: { platform: sim, max_in_flight: 2 }
        defaults: { connection: simc, retry: { attempts: 2, delay: 1s, max_delay: 1s } }
        tasks:
          a: { outcome: [failure, success] }
          b: { after: [a] }
          c: { after: { a: failure } }
          d: { after: [b], replicas: 3 }
        """

    /// Runs one workflow to the end on a fresh runtime over `log`.
    private func run(_ id: String, _ log: EventLog, _ clock: SystemEngineClock) async throws {
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "t", pollInitial: .milliseconds(1)))
        try runtime.recover()
        let workflow = try WorkflowLoader.parse(Self.workflow, file: "snap.yaml")
        _ = try await runtime.createRun(workflow, runID: id, params: [:], logicalDateMicros: clock.nowMicros(), sourcePath: "snap.yaml", actor: "test")
        _ = try await runtime.drive(until: id)
    }

    private func fresh(_ log: EventLog, _ clock: SystemEngineClock, snapshots: Bool) throws -> (EngineState, [String]) {
        let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "r"))
        let skipped = try runtime.recover(useSnapshots: snapshots)
        return (runtime.state, skipped)
    }

    @Test func startUpFromSnapshotPlusTailEqualsFullReplay() async throws {
        let dir = TemporaryDirectory("snap-recover")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        try await run("r1", log, clock)
        let writer = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "s"))
        let seq = try await writer.writeSnapshot()
        #expect(try log.snapshotSeqs() == [seq])
        try await run("r2", log, clock)
        let (fromSnapshot, skipped) = try fresh(log, clock, snapshots: true)
        let (full, _) = try fresh(log, clock, snapshots: false)
        #expect(skipped.isEmpty)
        #expect(fromSnapshot == full)
        let head = try log.head()
        #expect(fromSnapshot.runs.count == 2 && fromSnapshot.lastSeq == head)
    }

    @Test func aDamagedSnapshotIsSkippedNotTrusted() async throws {
        let dir = TemporaryDirectory("snap-damaged")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        do {
            let log = try EventLog(directory: dir.path, clock: clock)
            try await run("r1", log, clock)
            // A payload with a marker that appears nowhere else in the file.
            let seq = try log.head()
            try await log.writeSnapshot(seq: seq, payload: Array("SNAPSHOT-MARKER-0123456789".utf8))
            log.close()
        }
        #expect(try FileDamage.flip("SNAPSHOT-MARKER-", offset: 16, in: dir.appending("data.mdb")) > 0)
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        guard case .failure(let problem) = try log.snapshot(at: try log.head()) else {
            Issue.record("a damaged snapshot verified")
            return
        }
        #expect(problem.reason.contains("checksum"))
        let (state, skipped) = try fresh(log, clock, snapshots: true)
        #expect(skipped.count == 1)
        let full = try fresh(log, clock, snapshots: false).0
        #expect(state == full)
    }

    @Test func aSnapshotOfAnotherHistoryIsSkipped() async throws {
        let dir = TemporaryDirectory("snap-foreign")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        try await run("r1", log, clock)
        let seq = try log.head()
        // A snapshot whose stored event hash is not the log's: written, then the event it names
        // is checked against the chain at start-up.
        try await log.writeSnapshot(seq: seq, payload: SnapshotCodec.encode(EngineState()))
        let (state, skipped) = try fresh(log, clock, snapshots: true)
        // The empty projection says seq 0, not `seq`: refused as not describing its position.
        #expect(skipped.count == 1)
        #expect(state.runs["r1"] != nil)
    }
}
