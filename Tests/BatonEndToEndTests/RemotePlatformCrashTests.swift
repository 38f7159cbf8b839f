import BatonTestSupport
import Foundation
import Testing

/// `baton run` of a 30-task workflow on each remote platform's loopback fake (Databricks, Data Factory, a generic HTTP job API), with faults injected
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

    /// One remote platform under test: its fake's script and configuration, the connection's
    /// platform settings, each task's job, and how the fake's runs are keyed.
    struct Target {
        let name: String
        let fake: String
        let config: [String: Any]
        /// The connection's settings (the url added), credentials as references to `secrets.cred`.
        let settings: (Int) -> String
        let job: (Int) -> String
        /// The key a fake's run was started under, as Baton recorded it (a token or a parameter).
        let runKey: ([String: Any]) -> String?
    }

    static func faults() -> [[String: Any]] { [
        ["kind": "throttle", "count": 3, "match": "un", "retry_after": 4, "form": "seconds"],
        ["kind": "lose", "count": 2, "match": "un"],
        ["kind": "error", "count": 3, "match": "un", "status": 503],
        ["kind": "expire", "count": 1, "match": "un"],
        ["kind": "throttle", "count": 2, "match": "un", "retry_after": 4, "form": "date"],
    ] }

    @Test func databricksRunKilledAgainAndAgainStartsOneRunPerKeyAndKeepsItsLimits() async throws {
        let faults = Self.faults().map { rule in rule.merging(["match": (rule["kind"] as? String) == "error" ? "runs/get" : "run"]) { $1 } }
        try await Self.crash(Target(
            name: "databricks", fake: "databricks.py",
            config: ["oauth": ["client_id": "sp-baton", "client_secret": Self.marker, "expires_in": 3_600],
                     "jobs": ["42": ["name": "load", "timeline": [["PENDING", 100], ["RUNNING", 500]], "result": "SUCCESS", "output": "{\"rows\": 7}"]],
                     "faults": faults],
            settings: { port in "url: http://127.0.0.1:\(port)\n    client_id: sp-baton\n    client_secret: \"{{ secrets.cred }}\"" },
            job: { index in
                index >= 10 ? "{ job_id: \"42\", job_parameters: { task: t\(index), upstream_rows: \"{{ tasks.t\(index - 10).output.rows }}\" } }"
                    : "{ job_id: \"42\", job_parameters: { task: t\(index) } }"
            },
            runKey: { $0["token"] as? String }))
    }

    @Test func dataFactoryRunKilledAgainAndAgainStartsOneRunPerKeyAndKeepsItsLimits() async throws {
        // ADF has no idempotency: a lost createRun answer and every crash between claim and
        // dispatch are resolved by finding the run by its baton_key parameter.
        let faults = Self.faults().map { rule in rule.merging(["match": (rule["kind"] as? String) == "error" ? "pipelineruns/" : "createRun"]) { $1 } }
        try await Self.crash(Target(
            name: "adf", fake: "adf.py",
            config: ["tenant": "tenant-1", "client_id": "app-1", "client_secret": Self.marker, "subscription": "s", "resource_group": "g", "factory": "f",
                     "pipelines": ["load": ["timeline": [["Queued", 100], ["InProgress", 500]], "result": "Succeeded",
                                            "activity": ["name": "Copy", "output": ["rows": 7]]]],
                     "faults": faults],
            settings: { port in
                "url: http://127.0.0.1:\(port)\n    login_url: http://127.0.0.1:\(port)\n    tenant: tenant-1\n    client_id: app-1\n"
                    + "    client_secret: \"{{ secrets.cred }}\"\n    subscription: s\n    resource_group: g\n    factory: f"
            },
            job: { index in
                index >= 10 ? "{ pipeline: load, output_activity: Copy, parameters: { task: t\(index), upstream_rows: \"{{ tasks.t\(index - 10).output.rows }}\" } }"
                    : "{ pipeline: load, output_activity: Copy, parameters: { task: t\(index) } }"
            },
            runKey: { ($0["parameters"] as? [String: String])?["baton_key"] }))
    }

    @Test func httpJobAPIRunKilledAgainAndAgainStartsOneJobPerKeyAndKeepsItsLimits() async throws {
        // The Idempotency-Key header deduplicates: a lost answer or a crash is resolved by
        // submitting again with the same key (the API replays its first answer).
        let faults = Self.faults().map { rule in rule.merging(["match": (rule["kind"] as? String) == "error" ? "/jobs/" : "/jobs"]) { $1 } }
            .filter { $0["kind"] as? String != "expire" }
        try await Self.crash(Target(
            name: "http", fake: "http_jobs.py",
            config: ["token": Self.marker, "timeline": [["queued", 100], ["running", 500]], "result": "succeeded", "output": ["rows": 7], "faults": faults],
            settings: { port in "url: http://127.0.0.1:\(port)\n    token: \"{{ secrets.cred }}\"\n    lookup_path: \"jobs?idempotency_key={key}\"" },
            job: { index in
                index >= 10 ? "{ body: { task: t\(index), upstream_rows: \"{{ tasks.t\(index - 10).output.rows }}\" } }" : "{ body: { task: t\(index) } }"
            },
            runKey: { $0["key"] as? String }))
    }

    /// The crash run of `target`; see the suite's summary for what it asserts.
    static func crash(_ target: Target) async throws {
        var system = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["BATON_CRASH_SEED"].flatMap { UInt64($0) } ?? system.next()
        print("RemotePlatformCrashTests \(target.name) seed \(seed) (replay with BATON_CRASH_SEED=\(seed))")
        let dir = TemporaryDirectory("remote-crash-\(target.name)")
        defer { dir.remove() }
        let configPath = dir.appending("fake.json")
        try JSONSerialization.data(withJSONObject: target.config).write(to: URL(fileURLWithPath: configPath))
        let server = try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/fakes/\(target.fake)", configPath])
        let connections = """
            connections:
              remote:
                platform: \(target.name)
                \(target.settings(server.port))
                max_in_flight: \(Self.maxInFlight)
                rate: 5/1s

            """
        try connections.write(toFile: dir.appending("connections.yaml"), atomically: true, encoding: .utf8)
        try Self.workflow(job: target.job).write(toFile: dir.appending("w.yaml"), atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let arguments = ["run", dir.appending("w.yaml"), "--data", data, "--connections", dir.appending("connections.yaml"), "--run-id", "r1"]
        let environment = ["BATON_SECRET_cred": Self.marker]

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
        let label = "\(target.name) seed \(seed)"
        #expect(kills >= Self.killsMin, "\(label): \(kills) kills")
        #expect(finished == 0, "\(label): the last launch exited \(String(describing: finished)): \(outputs.suffix(2_000))")

        // The log: every task succeeded, once.
        let status = try await BatonProcess.run(["status", "r1", "--data", data, "--json"])
        outputs += status.stdout + status.stderr
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        #expect(object?["status"] as? String == "succeeded", "\(label): \(status.stdout.prefix(1_000))")
        let replay = try await BatonProcess.run(["replay", "--data", data, "--json"])
        outputs += replay.stdout + replay.stderr
        var dispatched: Set<String> = []
        for line in replay.stdout.split(separator: "\n") {
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  event["type"] as? String == "TaskDispatched", let id = Self.platformRunID(event) else { continue }
            dispatched.insert(id)
        }

        // The fake: one run per key, and only runs the log knows, each with its upstream's output.
        let runs = try await server.json("/_fake/runs")["runs"] as? [[String: Any]] ?? []
        let keys = runs.compactMap(target.runKey)
        #expect(keys.count == runs.count, "\(label): runs without a key: \(runs.filter { target.runKey($0) == nil })")
        #expect(Set(keys).count == keys.count, "\(label): two runs share a key: \(keys.sorted())")
        let runIDs = Set(runs.compactMap { run -> String? in
            if let text = run["run_id"] as? String { return text }
            return (run["run_id"] as? NSNumber).map { "\($0.int64Value)" }
        })
        #expect(runIDs == dispatched, "\(label): platform runs \(runIDs.sorted()) vs dispatched \(dispatched.sorted())")
        #expect(runs.count >= Self.tasks, "\(label): \(runs.count) runs")
        for index in 10..<Self.tasks {
            let parameters = runs.compactMap { $0["parameters"] as? [String: String] }.filter { $0["task"] == "t\(index)" }
            #expect(!parameters.isEmpty && parameters.allSatisfy { $0["upstream_rows"] == "7" }, "\(label): t\(index) got \(parameters)")
        }
        let stats = try await server.json("/_fake/stats")
        #expect((stats["in_flight_max"] as? Int ?? 99) <= Self.maxInFlight, "\(label): \(stats)")
        #expect(stats["violations"] as? Int == 0, "\(label): requests inside a Retry-After pause: \(stats)")
        #expect((stats["throttles"] as? Int ?? 0) >= 1, "\(label): no throttle was exercised: \(stats)")
        print("RemotePlatformCrashTests \(label): \(kills) kills, \(runs.count) runs, fake \(stats)")

        // The credential: nowhere in the data directory or any output.
        #expect(!outputs.contains(Self.marker))
        let enumerator = FileManager.default.enumerator(atPath: data)
        while let file = enumerator?.nextObject() as? String {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + file) else { continue }
            #expect(bytes.range(of: Data(Self.marker.utf8)) == nil, "\(label): the client secret reached \(file)")
        }
    }

    /// The platform run ID a `TaskDispatched` line carries, without an adapter's suffix.
    static func platformRunID(_ event: [String: Any]) -> String? {
        let body = (event["body"] as? [String: Any]) ?? event
        guard let id = (body["platform_run_id"] ?? body["platformRunId"]) as? String else { return nil }
        return String(id.split(whereSeparator: { $0 == ":" || $0 == "#" }).first ?? "")
    }
}
