@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Testing

/// Compaction seen by the engine: state after snapshot + compaction + more events is exactly the
/// state a full rebuild gives, retention leaves replay exact, and the runtime snapshots by itself.
@Suite struct CompactionRecoveryTests {
    private func runtime(_ log: EventLog, _ clock: SystemEngineClock, snapshotEveryEvents: UInt64 = 0) -> Runtime {
        Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                options: RuntimeOptions(dispatcherID: "t", pollInitial: .milliseconds(1), snapshotEveryEvents: snapshotEveryEvents))
    }

    private func run(_ id: String, _ log: EventLog, _ clock: SystemEngineClock, snapshotEveryEvents: UInt64 = 0) async throws {
        let runtime = runtime(log, clock, snapshotEveryEvents: snapshotEveryEvents)
        try runtime.recover()
        let workflow = try WorkflowLoader.parse(SnapshotRecoveryTests.workflow, file: "snap.yaml")
        _ = try await runtime.createRun(workflow, runID: id, params: [:], logicalDateMicros: clock.nowMicros(), sourcePath: "snap.yaml", actor: "test")
        _ = try await runtime.drive(until: id)
    }

    private func startUp(_ log: EventLog, _ clock: SystemEngineClock, snapshots: Bool) throws -> EngineState {
        let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "r"))
        #expect(try runtime.recover(useSnapshots: snapshots).isEmpty)
        return runtime.state
    }

    /// The fold of events 1...`last` read through `log` (archive included).
    private func fold(_ log: EventLog, through last: UInt64 = .max) throws -> (EngineState, [LogRecord]) {
        var state = EngineState()
        var records: [LogRecord] = []
        let report = try log.verifyChain(from: 1, through: last) { record in
            records.append(record)
            try state.apply(EventCodec.decode(record.payload, seq: record.seq), seq: record.seq, timeMicros: record.timeMicros)
        }
        #expect(report.isIntact)
        return (state, records)
    }

    @Test func stateAfterCompactionAndMoreEventsEqualsAFullRebuild() async throws {
        let dir = TemporaryDirectory("compact-state")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        var log = try EventLog(directory: dir.appending("log"), clock: clock)
        try await run("r1", log, clock)
        try await run("r2", log, clock)
        log.close()
        try FileManager.default.copyItem(atPath: dir.appending("log"), toPath: dir.appending("kept"))
        log = try EventLog(directory: dir.appending("log"), clock: clock)
        defer { log.close() }
        let outcome = try await runtime(log, clock).compact(archive: dir.appending("archive"), retainMicros: nil, actor: "test")
        #expect(try log.firstSeq() == outcome.snapshotSeq + 1)
        #expect(outcome.log.archivedEvents == outcome.snapshotSeq)
        try await run("r3", log, clock)

        let (full, records) = try fold(log)
        #expect(try startUp(log, clock, snapshots: true) == full)
        #expect(try startUp(log, clock, snapshots: false) == full)
        #expect(full.runs.count == 3 && full.runs.values.allSatisfy { $0.outcome != nil })

        // The archived history is byte for byte the history kept before compaction.
        let kept = try EventLog(directory: dir.appending("kept"), clock: clock, options: .init(readOnly: true))
        defer { kept.close() }
        let (keptState, keptRecords) = try fold(kept)
        #expect(keptRecords.count == Int(outcome.snapshotSeq))
        #expect(Array(records.prefix(keptRecords.count)) == keptRecords)
        #expect(try fold(log, through: outcome.snapshotSeq).0 == keptState)
    }

    @Test func retentionExpiresOnlyOldFinishedRunsAndReplayStaysExact() async throws {
        let dir = TemporaryDirectory("compact-retain")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.appending("log"), clock: clock)
        defer { log.close() }
        try await run("old", log, clock)
        try await Task.sleep(for: .milliseconds(300))
        try await run("new", log, clock)
        let runs = try startUp(log, clock, snapshots: true).runs
        let oldFinished = try #require(runs["old"]?.finishedAtMicros)
        let newFinished = try #require(runs["new"]?.finishedAtMicros)
        // The maintenance clock reads a fixed time, so the cutoff falls exactly between the two.
        let now = newFinished + 100_000
        let retain = now - (oldFinished + newFinished) / 2
        let maintenance = Runtime(log: log, platforms: PlatformSet([:]), clock: SimulatedClock(start: now), options: RuntimeOptions(dispatcherID: "m"))
        let outcome = try await maintenance.compact(archive: dir.appending("archive"), retainMicros: retain, actor: "test")
        #expect(outcome.expiredRuns == 1)
        let state = try startUp(log, clock, snapshots: true)
        #expect(state.runs["old"] == nil && state.runs["new"] != nil)
        #expect(try fold(log).0 == state)
        // The expiry itself is in the history, with the runs it removed.
        let (_, records) = try fold(log)
        let expiries = try records.compactMap { record -> [String]? in
            if case .runsExpired(let e) = try EventCodec.decode(record.payload, seq: record.seq).body { return e.runIds }
            return nil
        }
        #expect(expiries == [["old"]])
        // A second pass finds nothing more to expire.
        #expect(try await maintenance.expireRuns(olderThanMicros: retain, actor: "test") == 0)
    }

    @Test func theRuntimeWritesSnapshotsOnItsOwnCadence() async throws {
        let dir = TemporaryDirectory("auto-snapshot")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.appending("log"), clock: clock)
        defer { log.close() }
        try await run("r1", log, clock, snapshotEveryEvents: 8)
        let snapshots = try log.snapshotSeqs()
        #expect(snapshots.count >= 2, "\(snapshots)")
        #expect(zip(snapshots, snapshots.dropFirst()).allSatisfy { $0 - $1 >= 8 })
        #expect(try startUp(log, clock, snapshots: true) == startUp(log, clock, snapshots: false))
    }
}
