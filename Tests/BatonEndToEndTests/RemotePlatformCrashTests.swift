import BatonTestSupport
import Foundation
import Testing

/// `baton run` of a 30-task workflow on a remote platform's loopback fake, with faults injected
/// (a 429 storm in both `Retry-After` forms, a lost submit answer, a 5xx burst, an OAuth token
/// refused mid-run), SIGKILLed at seeded random moments until at least `killsMin` kills have
/// landed, then left to finish. Asserted on the fake's own ledger and on the log: exactly one
/// platform run per idempotency key and none Baton does not know, never more in flight than the
/// connection allows, no request inside a `Retry-After` pause, every task succeeded once with its
/// upstream's output, and no byte of the credential anywhere.
@Suite struct RemotePlatformCrashTests {
    static let killsMin = 10
    static let launchesMax = 200
    static let killDelayMillis = 150...1_500
    static let marker = "MARKER-client-secret-77a1"
    static let tasks = 30
    static let maxInFlight = 4

    /// Tasks `t0`...`t29`; `t(i)` for i ≥ 10 runs after `t(i-10)` and passes its output on.
    static func workflow(job: (Int) -> String) -> String {
        var lines = ["name: remote_fanout", "defaults: { connection: remote, retry: { attempts: 3, delay: 1s } }", "tasks:"]
        for index in 0..<tasks {
            let after = index >= 10 ? ", after: [t\(index - 10)]" : ""
            lines.append("  t\(index): { job: \(job(index))\(after) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func databricksRunKilledAgainAndAgainStartsOneRunPerKeyAndKeepsItsLimits() async throws {
        var system = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["BATON_CRASH_SEED"].flatMap { UInt64($0) } ?? system.next()
        print("RemotePlatformCrashTests seed \(seed) (replay with BATON_CRASH_SEED=\(seed))")
        let dir = TemporaryDirectory("remote-crash-dbx")
        defer { dir.remove() }
        let config: [String: Any] = [
            "oauth": ["client_id": "sp-baton", "client_secret": Self.marker, "expires_in": 3_600],
            "jobs": ["42": ["name": "load", "timeline": [["PENDING", 100], ["RUNNING", 500]], "result": "SUCCESS", "output": "{\"rows\": 7}"]],
            "faults": [
                ["kind": "throttle", "count": 3, "match": "run-now", "retry_after": 2, "form": "seconds"],
                ["kind": "lose", "count": 2, "match": "run-now"],
                ["kind": "error", "count": 3, "match": "runs/get", "status": 503],
                ["kind": "expire", "count": 1, "match": "runs/get"],
                ["kind": "throttle", "count": 2, "match": "runs/get", "retry_after": 2, "form": "date"],
            ],
        ]
        let configPath = dir.appending("fake.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
        let server = try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/fakes/databricks.py", configPath])
        let connections = """
            connections:
              remote:
                platform: databricks
                url: http://127.0.0.1:\(server.port)
                client_id: sp-baton
                client_secret: "{{ secrets.sp }}"
                max_in_flight: \(Self.maxInFlight)
                rate: 5/1s

            """
        let workflow = Self.workflow { index in
            index >= 10 ? "{ job_id: \"42\", job_parameters: { task: t\(index), upstream_rows: \"{{ tasks.t\(index - 10).output.rows }}\" } }"
                : "{ job_id: \"42\", job_parameters: { task: t\(index) } }"
        }
        try connections.write(toFile: dir.appending("connections.yaml"), atomically: true, encoding: .utf8)
        try workflow.write(toFile: dir.appending("w.yaml"), atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let arguments = ["run", dir.appending("w.yaml"), "--data", data, "--connections", dir.appending("connections.yaml"), "--run-id", "r1"]
        let environment = ["BATON_SECRET_sp": Self.marker]

        var generator = SeededGenerator(seed: seed)
        var kills = 0
        var finished: Int32?
        var outputs = ""
        for _ in 0..<Self.launchesMax {
            let child = try BatonProcess.start(arguments, environment: environment)
            // Kill at seeded moments until enough kills have landed; then let the run finish.
            if kills < Self.killsMin {
                let delay = Int.random(in: Self.killDelayMillis, using: &generator)
                let deadline = ContinuousClock.now + .milliseconds(delay)
                // Real time on purpose: the kill must land while the real process does real work.
                while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                if child.isRunning {
                    child.kill()
                    kills += 1
                    outputs += child.stderr
                    continue
                }
            }
            finished = await child.exitCode
            outputs += child.stderr
            break
        }
        #expect(kills >= Self.killsMin, "seed \(seed): \(kills) kills")
        #expect(finished == 0, "seed \(seed): the last launch exited \(String(describing: finished)): \(outputs.suffix(2_000))")

        // The log: every task succeeded, once, with its upstream's output in its parameters.
        let status = try await BatonProcess.run(["status", "r1", "--data", data, "--json"])
        outputs += status.stdout + status.stderr
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(object?["status"] as? String == "succeeded", "seed \(seed): \(status.stdout.prefix(1_000))")
        let replay = try await BatonProcess.run(["replay", "--data", data, "--json"])
        outputs += replay.stdout + replay.stderr
        var dispatched: Set<String> = []
        for line in replay.stdout.split(separator: "\n") {
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  event["type"] as? String == "TaskDispatched", let id = Self.platformRunID(event) else { continue }
            dispatched.insert(id)
        }

        // The fake: one run per key, and only runs the log knows.
        let runs = try await server.json("/_fake/runs")["runs"] as? [[String: Any]] ?? []
        let tokens = runs.compactMap { $0["token"] as? String }
        #expect(Set(tokens).count == runs.count, "seed \(seed): two runs share an idempotency token")
        let runIDs = Set(runs.compactMap { ($0["run_id"] as? NSNumber).map { "\($0.int64Value)" } })
        #expect(runIDs == dispatched, "seed \(seed): platform runs \(runIDs.sorted()) vs dispatched \(dispatched.sorted())")
        let succeeded = runs.filter { !($0["cancelled"] as? Bool ?? false) }
        #expect(succeeded.count >= Self.tasks, "seed \(seed): \(runs.count) runs")
        for index in 10..<Self.tasks {
            let parameters = runs.compactMap { $0["parameters"] as? [String: String] }.filter { $0["task"] == "t\(index)" }
            #expect(!parameters.isEmpty && parameters.allSatisfy { $0["upstream_rows"] == "7" }, "t\(index) got \(parameters)")
        }
        let stats = try await server.json("/_fake/stats")
        #expect((stats["in_flight_max"] as? Int ?? 99) <= Self.maxInFlight, "seed \(seed): \(stats)")
        #expect(stats["violations"] as? Int == 0, "seed \(seed): requests inside a Retry-After pause: \(stats)")
        #expect((stats["throttles"] as? Int ?? 0) >= 1, "no throttle was exercised: \(stats)")
        print("RemotePlatformCrashTests databricks seed \(seed): \(kills) kills, \(runs.count) runs, fake \(stats)")

        // The credential: nowhere in the data directory or any output.
        #expect(!outputs.contains(Self.marker))
        let enumerator = FileManager.default.enumerator(atPath: data)
        while let file = enumerator?.nextObject() as? String {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + file) else { continue }
            #expect(bytes.range(of: Data(Self.marker.utf8)) == nil, "the client secret reached \(file)")
        }
    }

    /// The platform run ID a `TaskDispatched` line carries, without an adapter's suffix.
    static func platformRunID(_ event: [String: Any]) -> String? {
        let body = (event["body"] as? [String: Any]) ?? event
        guard let id = (body["platform_run_id"] ?? body["platformRunId"]) as? String else { return nil }
        return String(id.split(separator: ":").first ?? "")
    }
}
