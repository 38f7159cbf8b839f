import ArgumentParser
import BatonLog
import BatonEvents
import Foundation

/// Durable append and replay throughput of the log, each beside LMDB's own ceiling (a C program
/// doing the same transactions with the same flags) measured in the same run.
struct LogBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Durable appends/s at batch 1, 100, 1000 and replay events/s, beside a C baseline on liblmdb."
    )

    @Option(help: "Events replayed (read + decode + verify).")
    var replayEvents = 1_000_000

    @Option(help: "Repetitions per measure; the median is reported.")
    var repetitions = 3

    @Option(help: "Path of the lmdb-baseline executable (default: beside this one).")
    var baseline: String?

    @Flag(help: "Measure only replay.")
    var replayOnly = false

    func run() async throws {
        let baselinePath = baseline ?? (URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lmdb-baseline").path)
        let payload = Self.samplePayload()
        print("event payload: \(payload.count) bytes (record \(payload.count + LogRecord.headerSize) bytes); fsync on; median of \(repetitions)")
        print("measure                    baton/s        lmdb C/s     ratio")
        for batch in replayOnly ? [] : [1, 100, 1000] {
            let total = batch == 1 ? 1_000 : batch * 200
            var ours: [Double] = []
            var theirs: [Double] = []
            for _ in 0..<repetitions {
                ours.append(try await appendRate(batch: batch, total: total, payload: payload))
                theirs.append(try baselineAppend(baselinePath, batch: batch, total: total, valueBytes: payload.count + LogRecord.headerSize))
            }
            report("append batch \(batch)", Measure.median(ours), Measure.median(theirs))
        }
        var grouped: [Double] = []
        for _ in 0..<(replayOnly ? 0 : repetitions) { grouped.append(try await groupCommitRate(callers: 64, perCaller: 40, payload: payload)) }
        if !grouped.isEmpty { report("group commit 64 callers", Measure.median(grouped), nil) }
        try await replay(payload: payload, baselinePath: baselinePath)
    }

    private func report(_ name: String, _ ours: Double, _ theirs: Double?) {
        let padded = name.padding(toLength: 24, withPad: " ", startingAt: 0)
        guard let theirs else {
            print("\(padded) \(Measure.rate(ours).leftPad(12))")
            return
        }
        print("\(padded) \(Measure.rate(ours).leftPad(12))  \(Measure.rate(theirs).leftPad(14))  \(String(format: "%8.2f", ours / theirs))x")
    }

    /// A TaskSucceeded event of about 200 bytes, a typical record.
    static func samplePayload() -> [UInt8] {
        var event = Baton_V1_Event()
        event.runID = "daily_revenue-2026-11-23"
        event.taskSucceeded = .with {
            $0.task = "load_raw"
            $0.attempt = 1
            $0.outputJson = "{\"rows\": 1048576, \"table\": \"raw.orders\", \"partition\": \"2026-11-23\", \"bytes\": 73400320, \"x\": \"" + String(repeating: "p", count: 52) + "\"}"
        }
        return EventCodec.encode(event)
    }

    private func appendRate(batch: Int, total: Int, payload: [UInt8]) async throws -> Double {
        let dir = Measure.scratch("append")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog(directory: dir, clock: SystemLogClock(), options: .init(initialMapBytes: 1 << 30))
        defer { log.close() }
        let payloads = Array(repeating: payload, count: batch)
        let seconds = try await Measure.seconds {
            for _ in 0..<(total / batch) { _ = try await log.append(payloads) }
        }
        return Double(total) / seconds
    }

    private func groupCommitRate(callers: Int, perCaller: Int, payload: [UInt8]) async throws -> Double {
        let dir = Measure.scratch("group")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog(directory: dir, clock: SystemLogClock(), options: .init(initialMapBytes: 1 << 30))
        defer { log.close() }
        let seconds = try await Measure.seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<callers {
                    group.addTask { for _ in 0..<perCaller { _ = try await log.append([payload]) } }
                }
                try await group.waitForAll()
            }
        }
        return Double(callers * perCaller) / seconds
    }

    private func baselineAppend(_ path: String, batch: Int, total: Int, valueBytes: Int) throws -> Double {
        let dir = Measure.scratch("c-append")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = try Measure.run(path, ["append", dir, "\(batch)", "\(total)", "\(valueBytes)"])
        return Double(output.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    private func replay(payload: [UInt8], baselinePath: String) async throws {
        let dir = Measure.scratch("replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = try EventLog(directory: dir, clock: SystemLogClock(), options: .init(initialMapBytes: 1 << 30))
        let chunk = Array(repeating: payload, count: 10_000)
        for _ in 0..<(replayEvents / chunk.count) { _ = try await log.append(chunk) }
        var rates: [Double] = []
        var readOnly: [Double] = []
        var verifyOnly: [Double] = []
        for _ in 0..<repetitions {
            var decoded = 0
            let seconds = try await Measure.seconds {
                let report = try log.replay(transform: { seq, _, payload in
                    try EventCodec.decode(payload, seq: seq)
                }, consume: { _, _ in decoded += 1 })
                precondition(report.isIntact && decoded == replayEvents, "replay saw \(decoded) events, report \(report)")
            }
            rates.append(Double(replayEvents) / seconds)
            let verifySeconds = try await Measure.seconds { _ = try log.verifyChain() }
            verifyOnly.append(Double(replayEvents) / verifySeconds)
            var count = 0
            let readSeconds = try await Measure.seconds {
                try log.forEach(from: 1) { _ in count += 1 }
            }
            readOnly.append(Double(count) / readSeconds)
        }
        log.close()
        let c = try Measure.run(baselinePath, ["read", dir]).split(separator: " ")
        let cRate = c.count > 1 ? Double(c[1]) ?? 0 : 0
        report("read (copy out)", Measure.median(readOnly), cRate)
        report("read+verify", Measure.median(verifyOnly), cRate)
        let decodeSeconds = try await Measure.seconds {
            for index in 0..<200_000 { _ = try EventCodec.decode(payload, seq: UInt64(index)) }
        }
        report("decode only (1 thread)", 200_000 / decodeSeconds, nil)
        report("replay read+decode+verify", Measure.median(rates), cRate)
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
