import BatonTestSupport
import Foundation
import Testing

/// Two `baton dispatch` processes and `baton run` share one data directory.
@Suite struct MultiDispatcherTests {
    static let taskCount = 16
    static let maxInFlight = 2

    /// Exactness (each task once, the shared limit) must hold in every round. Which processes win
    /// the claims is a race: the holder of the slots often reclaims them the moment its own task
    /// ends, so one round may legitimately see a single dispatcher. Sharing is therefore asked of
    /// the rounds together, and a round in which only one process dispatched does not prove
    /// the limit across processes, so up to `rounds` are run until two processes shared the work.
    @Test func noTaskIsDispatchedTwiceAndTheLimitHoldsAcrossProcesses() throws {
        let rounds = 4
        var sharedWork: [Set<String>] = []
        for round in 1...rounds {
            let workers = try Self.round(round)
            sharedWork.append(workers)
            if workers.count >= 2 { break }
        }
        #expect(sharedWork.contains { $0.count >= 2 }, "in every round one process dispatched all work: \(sharedWork)")
    }

    /// One run of the fan workflow with two extra dispatchers; returns who dispatched.
    static func round(_ round: Int) throws -> Set<String> {
        let dir = TemporaryDirectory("multi-dispatch")
        defer { dir.remove() }
        let markers = dir.appending("markers")
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        let workflow = dir.appending("fan.yaml")
        try Self.workflow(markers: markers).write(toFile: workflow, atomically: true, encoding: .utf8)
        let data = dir.appending("data")

        // The run creates the run and dispatches too; the two dispatchers join in.
        let dispatchers = try (1...2).map { try Self.start(["dispatch", "--data", data], worker: "d\($0)") }
        defer { dispatchers.forEach { $0.terminate(); $0.waitUntilExit() } }
        let run = try Self.start(["run", workflow, "--data", data, "--run-id", "shared"], worker: "run")
        run.waitUntilExit()
        #expect(run.terminationStatus == 0, "round \(round)")

        var intervals: [(start: Int64, end: Int64)] = []
        var workers = Set<String>()
        for index in 0..<Self.taskCount {
            let text = (try? String(contentsOfFile: "\(markers)/t\(index)", encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n")
            #expect(lines.count == 1, "round \(round): t\(index) ran \(lines.count) times")
            for line in lines {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let start = Int64(fields[1]), let end = Int64(fields[2]) else { continue }
                workers.insert(String(fields[0]))
                intervals.append((start, end))
            }
        }
        #expect(Self.maxOverlap(intervals) <= Self.maxInFlight, "round \(round)")
        return workers
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
