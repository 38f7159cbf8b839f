import BatonTestSupport
import Foundation
import Testing

/// The connections registry end to end: limits shared by every workflow and process on a data
/// directory, a file the host watches, the `connections` listing, secrets from a file store.
@Suite struct ConnectionsTests {
    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// The most attempts claimed or running at any point of the log: +1 at a claim, -1 when it
    /// ends or is released.
    static func mostInFlight(_ lines: [Substring]) -> Int {
        var holding: Set<String> = []
        var most = 0
        for line in lines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let type = object["type"] as? String else { continue }
            let key = "\(object["run_id"] ?? "")/\(object["task"] ?? "")"
            switch type {
            case "TaskClaimed": holding.insert(key)
            case "TaskSucceeded", "TaskFailed", "TaskQueued", "TaskCancelled": holding.remove(key)
            default: break
            }
            most = max(most, holding.count)
        }
        return most
    }

    /// Two workflows in two `baton run` processes share one registry connection; one process
    /// is SIGKILLed midway and started again. Across both, never more than 2 in flight and never
    /// more than 5 dispatches in a second, and every task runs once.
    @Test func twoProcessesOfTwoWorkflowsShareOneLimitAcrossASigkill() async throws {
        let dir = TemporaryDirectory("shared-limit")
        defer { dir.remove() }
        let connections = dir.appending("connections.yaml")
        try write("connections:\n  shared: { platform: sim, max_in_flight: 2, rate: 5/1s }\n", to: connections)
        for name in ["wa", "wb"] {
            try write("name: \(name)\ndefaults: { connection: shared }\ntasks:\n  t: { replicas: 8, duration: 200ms }\n", to: dir.appending("\(name).yaml"))
        }
        let data = dir.appending("data")
        func start(_ name: String) throws -> BatonProcess.Running {
            try BatonProcess.start(["run", dir.appending("\(name).yaml"), "--data", data, "--connections", connections, "--run-id", "r-\(name)"])
        }
        let first = try start("wa")
        let second = try start("wb")
        defer { for process in [first, second] where process.isRunning { process.kill() } }
        #expect(try await eventually(240) { try await replay(data).components(separatedBy: "TaskDispatched").count > 4 })
        first.kill()
        let again = try await BatonProcess.run(["run", dir.appending("wa.yaml"), "--data", data, "--connections", connections, "--run-id", "r-wa"])
        #expect(again.status == 0, "\(again.stdout.suffix(2_000))\(again.stderr)")
        #expect(await second.exitCode == 0, "\(second.stderr)")

        let lines = try await BatonProcess.run(["replay", "--data", data, "--json"]).stdout.split(separator: "\n")
        #expect(Self.mostInFlight(lines) <= 2)
        let times = try await RateCheck.dispatchTimes(data: data, runID: nil)
        #expect(RateCheck.violations(dispatchTimes: times, count: 5, window: .seconds(1)).isEmpty, "\(times)")
        #expect(lines.count { $0.contains("\"type\":\"TaskSucceeded\"") } == 16)
        #expect(lines.count { $0.contains("\"type\":\"ConnectionsRegistered\"") } == 1, "one version, registered once")
        let status = try await BatonProcess.run(["status", "--data", data, "r-wb"])
        #expect(status.stdout.contains("8 succeeded"), "\(status.stdout)")
    }

    /// `serve` reads `connections.yaml` beside the workflows (not as a workflow), registers each
    /// new version as an event, keeps the previous one when an edit is broken, and lists it.
    @Test func theHostWatchesTheConnectionsFileAndListsItsConnections() async throws {
        let dir = TemporaryDirectory("serve-connections")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        let connections = workflows + "/connections.yaml"
        try write("connections:\n  shared: { platform: sim, max_in_flight: 1 }\n", to: connections)
        try write("name: uses\ndefaults: { connection: shared }\ntasks:\n  t: {}\n", to: workflows + "/uses.yaml")
        let data = dir.appending("data")
        let host = try startHost(workflows: workflows, data: data)
        defer { if host.isRunning { host.kill() } }
        #expect(try await eventually(240) { try await replay(data).contains("WorkflowRegistered") }, "\(host.stderr)")
        let port = try #require(try await apiPort(host))

        try write("connections:\n  shared: { platform: sim, max_in_flight: 3 }\n", to: connections)
        #expect(try await eventually(240) { try await replay(data).components(separatedBy: "ConnectionsRegistered").count == 3 }, "\(host.stderr)")
        try write("connections:\n  shared: { platform: sim, max_in_flight: many }\n", to: connections)
        #expect(try await eventually(240) { host.stderr.contains("connections file rejected") }, "\(host.stderr)")
        #expect(host.stderr.contains("max_in_flight must be an integer"), "\(host.stderr)")

        let listing = try await BatonProcess.run(["connections", "--data", data])
        #expect(listing.status == 0, "\(listing.stderr)")
        let row = listing.stdout.split(separator: "\n").first { $0.hasPrefix("shared") }.map(String.init) ?? ""
        #expect(row.contains("sim") && row.contains("0/3") && row.contains("registry \(connections):2"), "\(listing.stdout)")
        let api = try await http(port, "GET", "/v1/connections")
        #expect(api.status == 200 && api.body.contains(#""max_in_flight":3"#) && api.body.contains(#""platform":"sim""#), "\(api.body)")
        let audit = try await replay(data)
        #expect(audit.components(separatedBy: "ConnectionsRegistered").count == 3, "the broken edit registered nothing")
        #expect(audit.contains("shared (sim, max_in_flight 3)"), "\(audit)")
        #expect(!audit.contains("connections.yaml definition"), "the connections file is not a workflow")
        #expect(await stopHost(host) == 0, "\(host.stderr)")
    }

    /// A secret from a file store (mode 0600) reaches the task, through its environment rather
    /// than its argv, and nothing else.
    @Test func aSecretFromAFileStoreReachesTheTaskAndNoOutput() async throws {
        let dir = TemporaryDirectory("secret-store")
        defer { dir.remove() }
        let marker = "stored-\(UInt32.random(in: 100_000...999_999))-marker"
        let secrets = dir.appending("secrets.yaml")
        try write("tok: \(marker)\n", to: secrets)
        chmod(secrets, 0o600)
        let connections = dir.appending("connections.yaml")
        try write("secrets:\n  - { provider: file, path: \(secrets) }\nconnections:\n  local: { platform: process }\n", to: connections)
        let seen = dir.appending("seen")
        let file = dir.appending("w.yaml")
        try write("""
            name: w
            defaults: { connection: local, retry: { attempts: 1 } }
            tasks:
              uses:
                env: { TOKEN: "{{ secrets.tok }}" }
                command: [/bin/sh, -c, 'printf "%s" "$TOKEN" > "$0"; echo "token=$TOKEN" >&2; exit 1', \(seen)]
            """, to: file)
        let data = dir.appending("data")
        let run = try await BatonProcess.run(["run", file, "--data", data, "--connections", connections, "--run-id", "s1"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        #expect((try? String(contentsOfFile: seen, encoding: .utf8)) == marker, "the task got the value")
        var outputs = [run.stdout + run.stderr]
        for arguments in [["status", "s1", "--json"], ["replay", "--json"], ["connections"]] {
            outputs.append(try await BatonProcess.run(arguments + ["--data", data]).stdout)
        }
        #expect(outputs.allSatisfy { !$0.contains(marker) })
        #expect(outputs[2].contains("token=***"), "\(outputs[2])")
        let log = try Data(contentsOf: URL(fileURLWithPath: data + "/log/data.mdb"))
        #expect(log.range(of: Data(marker.utf8)) == nil, "the log holds the secret")

        chmod(secrets, 0o644)
        let refused = try await BatonProcess.run(["run", file, "--data", data, "--connections", connections, "--run-id", "s2"])
        #expect(refused.status == 2 && refused.stderr.contains("must be 0600 or stricter"), "\(refused.stderr)")
    }

    /// `connections check` asks the connection's platform for its cheapest read and says what
    /// failed; an unknown name is bad input.
    @Test func checkNamesWhatIsWrongWithAConnection() async throws {
        let dir = TemporaryDirectory("connections-check")
        defer { dir.remove() }
        let connections = dir.appending("connections.yaml")
        try write("connections:\n  local: { platform: process }\n", to: connections)
        let file = dir.appending("w.yaml")
        try write("name: w\ndefaults: { connection: local }\ntasks:\n  a: { command: [/bin/true] }\n", to: file)
        let data = dir.appending("data")
        #expect(try await BatonProcess.run(["run", file, "--data", data, "--connections", connections]).status == 0)
        let ok = try await BatonProcess.run(["connections", "check", "local", "--data", data])
        #expect(ok.status == 0 && ok.stdout.hasPrefix("local: OK in ") && ok.stdout.contains("attempt directory \(data)/runs writable"), "\(ok.stdout)\(ok.stderr)")
        let unknown = try await BatonProcess.run(["connections", "check", "locl", "--data", data])
        #expect(unknown.status == 2 && unknown.stderr.contains("no connection locl in \(data) (known: local)"), "\(unknown.stderr)")
        // A file stands where the attempt directory should be.
        try FileManager.default.moveItem(atPath: data + "/runs", toPath: data + "/runs.moved")
        try write("not a directory", to: data + "/runs")
        let broken = try await BatonProcess.run(["connections", "check", "local", "--data", data])
        #expect(broken.status == 1 && broken.stdout.contains("local: failed in ") && broken.stdout.contains("the attempt directory \(data)/runs is not a directory"),
                "\(broken.stdout)\(broken.stderr)")
    }

    /// A registry connection's contention profile as `baton run` applies it: ten tasks ready at
    /// once against a queue of 3. `wait` holds seven and runs all ten; `reject` fails seven with
    /// class rejected. Each decision is in `replay`, and `connections --json` shows the profile.
    @Test(arguments: ["wait", "reject"])
    func aQueueProfileHoldsOrRejectsWhatDoesNotFit(onFull: String) async throws {
        let dir = TemporaryDirectory("queue-profile")
        defer { dir.remove() }
        let connections = dir.appending("connections.yaml")
        try write("connections:\n  shared: { platform: sim, max_in_flight: 2, queue: { max: 3, on_full: \(onFull) } }\n", to: connections)
        try write("name: burst\ndefaults: { connection: shared }\ntasks:\n  t: { replicas: 10, duration: 20ms }\n", to: dir.appending("burst.yaml"))
        let data = dir.appending("data")
        let run = try await BatonProcess.run(["run", dir.appending("burst.yaml"), "--data", data, "--connections", connections, "--run-id", "r"])
        #expect(run.status == (onFull == "wait" ? 0 : 1), "\(run.stdout.suffix(2_000))\(run.stderr)")

        let lines = try await BatonProcess.run(["replay", "--data", data, "--json"]).stdout.split(separator: "\n")
        let decided = lines.filter { $0.contains("\"type\":\"ContentionDecided\"") }
        let decision = onFull == "wait" ? "held" : "rejected"
        #expect(decided.count == 7 && decided.allSatisfy { $0.contains("\"decision\":\"\(decision)\"") && $0.contains("\"queue_max\":3") },
                "\(decided)")
        #expect(lines.count { $0.contains("\"type\":\"TaskSucceeded\"") } == (onFull == "wait" ? 10 : 3))
        #expect(lines.count { $0.contains("\"error_class\":\"rejected\"") } == (onFull == "wait" ? 0 : 7))
        let text = try await BatonProcess.run(["replay", "--data", data]).stdout
        #expect(text.contains("queue of shared 3/3 full"), "\(text.prefix(3_000))")

        let listed = try await BatonProcess.run(["connections", "--data", data, "--json"]).stdout
        #expect(listed.contains("\"on_full\":\"\(onFull)\"") && listed.contains("\"max\":3"), "\(listed)")
        let table = try await BatonProcess.run(["connections", "--data", data]).stdout
        #expect(table.contains("HELD") && table.contains("0/3 \(onFull)"), "\(table)")
    }
}
