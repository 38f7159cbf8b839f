import ArgumentParser
import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import Foundation

/// The operator tools on a large data directory: start-up with a snapshot against a full replay,
/// compaction throughput, the data file before and after shrinking, and verification speed.
struct OpsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ops",
        abstract: "Start-up with a snapshot vs full replay, compact events/s, shrink sizes, verify events/s (1M events in 10k runs)."
    )

    @Option(help: "Runs in the data directory.")
    var runs = 10_000

    @Option(help: "Runs created and driven together.")
    var batch = 500

    @Option(help: "Keep the data directory here (and reuse its log if it has one) instead of a scratch directory.")
    var data: String?

    func run() async throws {
        let clock = SystemEngineClock()
        let dir = data ?? Measure.scratch("ops")
        defer { if data == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let logDir = dir + "/log"
        let reuse = FileManager.default.fileExists(atPath: logDir + "/data.mdb")
        let fill = reuse ? 0 : try await Measure.seconds { try await fillLog(logDir, clock) }
        let head = try EventLog(directory: logDir, clock: clock).head()
        print(String(format: "filled %d events in %d runs (%.0f events/run) in %.1f s", head, runs, Double(head) / Double(runs), fill))

        let full = try await startUps(logDir, clock, snapshots: false)
        print(String(format: "start-up, full replay: median %.3f s (%@ events/s)", full, Measure.rate(Double(head) / full)))
        do {
            let log = try EventLog(directory: logDir, clock: clock)
            defer { log.close() }
            let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "snap"))
            try runtime.recover(useSnapshots: false)
            let write = try await Measure.seconds { _ = try await runtime.writeSnapshot() }
            print(String(format: "snapshot of %d runs / %d task records: written in %.3f s", runtime.state.runs.count,
                         runtime.state.runs.values.reduce(0) { $0 + $1.tasks.count }, write))
        }
        let withSnapshot = try await startUps(logDir, clock, snapshots: true)
        print(String(format: "start-up with the snapshot (+1 event tail): median %.3f s (%.1fx faster than full replay)", withSnapshot, full / withSnapshot))
        try startUpBreakdown(logDir, clock)

        let sizeBefore = Self.fileSize(logDir + "/data.mdb")
        let archive = dir + "/archive"
        var outcome: CompactionOutcome?
        let compactSeconds = try await Measure.seconds {
            let log = try EventLog(directory: logDir, clock: clock)
            defer { log.close() }
            let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "compact"))
            try runtime.recover()
            outcome = try await runtime.compact(archive: archive, retainMicros: nil, actor: "bench")
        }
        let archived = outcome?.log.archivedEvents ?? 0
        print(String(format: "compact: %d events into %d segments in %.2f s (%@ events/s, snapshot + archive + read-back verify + prune)",
                     archived, outcome?.log.segments.count ?? 0, compactSeconds, Measure.rate(Double(archived) / compactSeconds)))
        let sizeCompacted = Self.fileSize(logDir + "/data.mdb")
        let shrink = try EventLog.shrink(directory: logDir)
        print(String(format: "data.mdb: %.1f MiB before compaction, %.1f MiB after (free pages kept), %.1f MiB after --shrink; archive %.1f MiB",
                     Self.mib(sizeBefore), Self.mib(sizeCompacted), Self.mib(shrink.bytesAfter), Self.mib(Self.directorySize(archive))))
        let compactedStartUp = try await startUps(logDir, clock, snapshots: true)
        print(String(format: "start-up after compaction (snapshot, archive untouched): median %.3f s", compactedStartUp))
        try verify(logDir, clock)
    }

    /// Where start-up with a snapshot spends its time: opening the log, reading and checking the
    /// snapshot, protobuf decoding alone (one thread), and the whole restore.
    private func startUpBreakdown(_ logDir: String, _ clock: SystemEngineClock) throws {
        var log: EventLog?
        let open = try Measure.secondsSync { log = try EventLog(directory: logDir, clock: clock) }
        guard let log else { return }
        defer { log.close() }
        var payload: [UInt8] = []
        let read = try Measure.secondsSync {
            guard let seq = try log.snapshotSeqs().first, case .success(let stored) = try log.snapshot(at: seq) else { return }
            payload = stored.payload
        }
        let protobuf = try Measure.secondsSync {
            let snapshot = try Baton_V1_Snapshot(serializedBytes: payload)
            for blob in snapshot.runBlobs { _ = try Baton_V1_SnapshotRun(serializedBytes: blob) }
        }
        let restore = try Measure.secondsSync { _ = try SnapshotCodec.decode(payload) }
        print(String(format: "  breakdown: open %.3f s, read + checksum of %.1f MiB %.3f s, protobuf decode (1 thread) %.3f s, whole restore %.3f s",
                     open, Self.mib(payload.count), read, protobuf, restore))
    }

    /// Runs `runs` workflow runs of ~100 events each, `batch` at a time.
    private func fillLog(_ logDir: String, _ clock: SystemEngineClock) async throws {
        let log = try EventLog(directory: logDir, clock: clock, options: .init(initialMapBytes: 1 << 30))
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "bench", pollInitial: .milliseconds(1), pollMax: .milliseconds(20),
                                                      claimsPerCommitMax: 4_096, snapshotEveryEvents: 0))
        let workflow = try WorkflowLoader.parse(Self.workflowYAML, file: "ops.yaml")
        var created = 0
        while created < runs {
            let ids = (created..<min(created + batch, runs)).map { "ops-\($0)" }
            for id in ids {
                _ = try await runtime.createRun(workflow, runID: id, params: [:], logicalDateMicros: clock.nowMicros(), sourcePath: "ops.yaml", actor: "bench")
            }
            for id in ids where runtime.state.runs[id]?.outcome == nil { _ = try await runtime.drive(until: id) }
            created += ids.count
        }
    }

    /// 20 tasks: a root, 15 in a fan-out, 4 of which fail once and retry, and a join.
    static let workflowYAML: String = {
        var yaml = "name: ops\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc, retry: { attempts: 2, delay: 1ms, max_delay: 1ms } }\ntasks:\n  root: {}\n"
        for index in 0..<15 { yaml += "  t\(index): { after: [root]\(index < 4 ? ", outcome: [failure, success]" : "") }\n" }
        yaml += "  join: { after: [\((0..<15).map { "t\($0)" }.joined(separator: ", "))] }\n"
        for index in 0..<3 { yaml += "  after\(index): { after: [join] }\n" }
        return yaml
    }()

    private func startUps(_ logDir: String, _ clock: SystemEngineClock, snapshots: Bool) async throws -> Double {
        var times: [Double] = []
        for _ in 0..<3 {
            let log = try EventLog(directory: logDir, clock: clock)
            defer { log.close() }
            let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "recover"))
            times.append(try await Measure.seconds { try runtime.recover(useSnapshots: snapshots) })
        }
        return Measure.median(times)
    }

    /// What `replay --verify` does: verify every link of archive + live log while decoding and
    /// folding every event, then start-up from the snapshot for the comparison.
    private func verify(_ logDir: String, _ clock: SystemEngineClock) throws {
        let log = try EventLog(directory: logDir, clock: clock, options: .init(readOnly: true))
        defer { log.close() }
        var chainTimes: [Double] = []
        var foldTimes: [Double] = []
        var checked: UInt64 = 0
        for _ in 0..<3 {
            var start = ContinuousClock.now
            let chain = try log.replay(transform: { _, _, _ in () }, consume: { _, _ in })
            chainTimes.append(Self.since(start))
            precondition(chain.isIntact, "the benchmark log does not verify: \(String(describing: chain.firstBreak))")
            start = ContinuousClock.now
            var state = EngineState()
            let report = try log.replay(transform: { seq, _, payload in try EventCodec.decode(payload, seq: seq) }) { record, event in
                try state.apply(event, seq: record.seq, timeMicros: record.timeMicros)
            }
            foldTimes.append(Self.since(start))
            checked = report.checked
        }
        print(String(format: "verify %d events (archive + live): chain only %@ events/s; chain + decode + projection rebuild (replay --verify) %@ events/s",
                     checked, Measure.rate(Double(checked) / Measure.median(chainTimes)), Measure.rate(Double(checked) / Measure.median(foldTimes))))
    }

    private static func since(_ start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    private static func directorySize(_ path: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).reduce(0) { $0 + fileSize(path + "/" + $1) }
    }

    private static func mib(_ bytes: Int) -> Double { Double(bytes) / 1_048_576 }
}
