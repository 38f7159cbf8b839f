import BatonTestSupport
import Foundation
import Testing

/// Two `baton dispatch` processes and `baton run` share one data directory.
@Suite struct MultiDispatcherTests {
    static let taskCount = 16
    static let maxInFlight = 2

    /// Each process holds at most one task (`--concurrency 1`) and the connection allows two, so
    /// at least two processes must dispatch: without the cap, whichever process holds the slots
    /// reclaims them in the very commit that records its task's end, and may do all the work.
    @Test func noTaskIsDispatchedTwiceAndTheLimitHoldsAcrossProcesses() throws {
        let dir = TemporaryDirectory("multi-dispatch")
        defer { dir.remove() }
        let markers = dir.appending("markers")
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        let workflow = dir.appending("fan.yaml")
        try Self.workflow(markers: markers).write(toFile: workflow, atomically: true, encoding: .utf8)
        let data = dir.appending("data")

        // The run creates the run and dispatches too; the two dispatchers join in.
        let dispatchers = try (1...2).map { try Self.start(["dispatch", "--data", data, "--concurrency", "1"], worker: "d\($0)") }
        defer { dispatchers.forEach { kill($0.processIdentifier, SIGKILL); _ = ChildExit($0).wait() } }
        let run = try Self.start(["run", workflow, "--data", data, "--run-id", "shared", "--concurrency", "1"], worker: "run")
        #expect(ChildExit(run).wait() == ChildExit.Status(code: 0, bySignal: false))

        var intervals: [(start: Int64, end: Int64)] = []
        var byWorker: [String: [(start: Int64, end: Int64)]] = [:]
        for index in 0..<Self.taskCount {
            let text = (try? String(contentsOfFile: "\(markers)/t\(index)", encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n")
            #expect(lines.count == 1, "t\(index) ran \(lines.count) times")
            for line in lines {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let start = Int64(fields[1]), let end = Int64(fields[2]) else { continue }
                byWorker[String(fields[0]), default: []].append((start, end))
                intervals.append((start, end))
            }
        }
        #expect(Self.maxOverlap(intervals) <= Self.maxInFlight)
        for (worker, own) in byWorker { #expect(Self.maxOverlap(own) <= 1, "\(worker) held more than one task at once") }
        #expect(byWorker.count >= 2, "only \(byWorker.keys.sorted()) dispatched work")
    }

    /// The most intervals that hold one instant in common.
    static func maxOverlap(_ intervals: [(start: Int64, end: Int64)]) -> Int {
        let points = intervals.flatMap { [($0.start, 1), ($0.end, -1)] }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        var current = 0
        var most = 0
        for (_, delta) in points {
            current += delta
            most = max(most, current)
        }
        return most
    }

    static func workflow(markers: String) -> String {
        // Each task records who ran it and when it started and ended (ns), once per execution.
        let script = "s=$(date +%s%N); sleep 0.3; echo \"$BATON_TEST_WORKER $s $(date +%s%N)\" >> \"$1/$2\""
        var yaml = """
            name: shared_fan
            connections:
              local: { platform: process, max_in_flight: \(maxInFlight) }
            defaults: { connection: local }
            tasks:

            """
        for index in 0..<taskCount {
            yaml += "  t\(index): { command: [/bin/sh, -c, '\(script)', marker, \(markers), t\(index)] }\n"
        }
        return yaml
    }

    static func start(_ arguments: [String], worker: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path(of: "baton"))
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_TEST_WORKER"] = worker
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
