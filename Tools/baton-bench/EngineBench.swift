import ArgumentParser
import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import Foundation

/// The engine end to end on the sim platform with the durable log (fsync on): a wide fan-out,
/// a long chain, and recovery of a large log.
struct EngineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Fan-out tasks/s and peak RSS, chain per-hop latency and fsyncs, recovery time (sim platform, fsync on)."
    )

    @Option(help: "Tasks in the fan-out.")
    var fanOut = 10_000

    @Option(help: "Tasks in the chain.")
    var chain = 1_000

    @Option(help: "Events in the log recovered (built from repeated fan-out runs).")
    var recoveryEvents = 1_000_000

    func run() async throws {
        let clock = SystemEngineClock()
        let fan = try await fanOutRun(clock)
        print(String(format: "fan-out %d tasks: %.2f s, %@ tasks/s, %d commits, peak RSS %.0f MiB", fanOut, fan.seconds,
                     Measure.rate(Double(fanOut) / fan.seconds), fan.commits, Self.peakRSSMiB()))
        try await chainRun(clock)
        try await recovery(clock)
    }

    private struct Outcome {
        let seconds: Double
        let commits: UInt64
        let events: UInt64
    }

    private func runOnce(_ yaml: String, runID: String, log: EventLog, clock: SystemEngineClock) async throws -> Outcome {
        let workflow = try WorkflowLoader.parse(yaml, file: "bench.yaml")
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "bench", pollInitial: .milliseconds(1), pollMax: .milliseconds(50),
                                                      claimsPerCommitMax: 4_096))
        try runtime.recover()
        let commitsBefore = log.commitCount
        let headBefore = try log.head()
        var outcome = RunState.Outcome.failed
        let seconds = try await Measure.seconds {
            _ = try await runtime.createRun(workflow, runID: runID, params: [:], logicalDateMicros: clock.nowMicros(), sourcePath: "bench", actor: "bench")
            outcome = try await runtime.drive(until: runID)
        }
        precondition(outcome == .succeeded, "benchmark run \(runID) ended \(outcome)")
        return Outcome(seconds: seconds, commits: log.commitCount - commitsBefore, events: try log.head() - headBefore)
    }

    static func fanOutYAML(_ count: Int) -> String {
        var yaml = "name: fan_out\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  root: {}\n"
        yaml += "  leaf: { after: [root], replicas: \(count) }\n"
        return yaml
    }

    private func fanOutRun(_ clock: SystemEngineClock) async throws -> Outcome {
        let dir = Measure.scratch("engine-fan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog(directory: dir, clock: clock, options: .init(initialMapBytes: 1 << 30))
        defer { log.close() }
        return try await runOnce(Self.fanOutYAML(fanOut), runID: "fan", log: log, clock: clock)
    }

    private func chainRun(_ clock: SystemEngineClock) async throws {
        let dir = Measure.scratch("engine-chain")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog(directory: dir, clock: clock, options: .init(initialMapBytes: 1 << 30))
        defer { log.close() }
        var yaml = "name: chain\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  t0: {}\n"
        for index in 1..<chain { yaml += "  t\(index): { after: [t\(index - 1)] }\n" }
        let outcome = try await runOnce(yaml, runID: "chain", log: log, clock: clock)
        var finished: [Int64] = []
        try log.forEach(from: 1) { record in
            if case .taskSucceeded = try EventCodec.decode(record.payload, seq: record.seq).body { finished.append(record.timeMicros) }
        }
        let hops = zip(finished.dropFirst(), finished).map { Double($0 - $1) / 1_000 }.sorted()
        let median = hops.isEmpty ? 0 : hops[hops.count / 2]
        let p99 = hops.isEmpty ? 0 : hops[min(hops.count - 1, hops.count * 99 / 100)]
        print(String(format: "chain %d tasks: %.2f s, per hop median %.2f ms, p99 %.2f ms, %.2f fsync'd commits per hop",
                     chain, outcome.seconds, median, p99, Double(outcome.commits) / Double(chain)))
    }

    private func recovery(_ clock: SystemEngineClock) async throws {
        let dir = Measure.scratch("engine-recovery")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var runs = 0
        do {
            let log = try EventLog(directory: dir, clock: clock, options: .init(initialMapBytes: 1 << 30))
            defer { log.close() }
            while try log.head() < UInt64(recoveryEvents) {
                _ = try await runOnce(Self.fanOutYAML(min(fanOut, 10_000)), runID: "fill-\(runs)", log: log, clock: clock)
                runs += 1
            }
        }
        var times: [Double] = []
        var events: UInt64 = 0
        for _ in 0..<3 {
            let log = try EventLog(directory: dir, clock: clock)
            defer { log.close() }
            events = try log.head()
            let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "recover"))
            times.append(try await Measure.seconds { try runtime.recover(useSnapshots: false) })
        }
        print(String(format: "recovery of %d events (%d runs), full replay: median %.2f s (%@ events/s)", events, runs, Measure.median(times),
                     Measure.rate(Double(events) / Measure.median(times))))
        var snapshotTimes: [Double] = []
        do {
            let log = try EventLog(directory: dir, clock: clock)
            defer { log.close() }
            let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "snap"))
            let write = try await Measure.seconds { _ = try await runtime.writeSnapshot() }
            print(String(format: "snapshot of that state: written in %.2f s", write))
        }
        for _ in 0..<3 {
            let log = try EventLog(directory: dir, clock: clock)
            defer { log.close() }
            let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "recover"))
            snapshotTimes.append(try await Measure.seconds { try runtime.recover() })
        }
        print(String(format: "start-up with the snapshot (+1 event tail): median %.3f s", Measure.median(snapshotTimes)))
    }

    static func peakRSSMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1_024
    }
}
