import BatonTestSupport
import Foundation
import Testing

/// `baton run` against what a hostile probe found: secrets in Baton's own error text and in a
/// task's stderr, a timed-out last task left running, a sim run lost across a SIGKILL.
@Suite struct RunHardeningTests {
    private func write(_ text: String, to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A marker planted as a secret reaches no output of Baton and no byte of its log, though
    /// Baton's own error names a path built from it and a task prints it to stderr.
    @Test func aSecretInAPathOrOnStderrIsMaskedEverywhere() async throws {
        let dir = TemporaryDirectory("secret")
        defer { dir.remove() }
        let marker = "planted-\(UInt32.random(in: 100_000...999_999))-marker"
        let file = dir.appending("leaky.yaml")
        try write("""
            name: leaky
            connections:
              local: { platform: process }
            defaults: { connection: local, retry: { attempts: 1 } }
            tasks:
              missing: { command: ["/nonexistent/{{ secrets.x }}/tool"] }
              prints: { command: [/bin/sh, -c, 'echo "token=$1" >&2; exit 1', prints, "{{ secrets.x }}"] }
              echoes: { command: [/bin/sh, -c, 'printf "{\\"seen\\": \\"%s\\"}" "$1" > "$BATON_OUTPUT"', echoes, "{{ secrets.x }}"] }
            """, to: file)
        let data = dir.appending("data")
        let run = try await BatonProcess.run(["run", file, "--data", data, "--run-id", "s1"], environment: ["BATON_SECRET_x": marker])
        #expect(run.status == 1, "\(run.stderr)")
        var outputs = [("run", run.stdout + run.stderr)]
        for arguments in [["status", "s1"], ["status", "s1", "--json"], ["replay"], ["replay", "--json"]] {
            let result = try await BatonProcess.run(arguments + ["--data", data])
            outputs.append((arguments.joined(separator: " "), result.stdout + result.stderr))
        }
        for (name, text) in outputs {
            #expect(!text.contains(marker), "\(name) shows the secret")
        }
        let replayed = outputs.first { $0.0 == "replay --json" }?.1 ?? ""
        #expect(replayed.contains("executable not found: /nonexistent/***/tool"), "\(replayed)")
        #expect(replayed.contains("token=***"), "\(replayed)")
        let human = outputs.first { $0.0 == "replay" }?.1 ?? ""
        #expect(human.contains(#"{"seen": "***"}"#), "\(human)")
        let log = try Data(contentsOf: URL(fileURLWithPath: data + "/log/data.mdb"))
        #expect(log.range(of: Data(marker.utf8)) == nil, "the log holds the secret")
    }

    /// The timed-out task is the run's last: the run ends in the same commit that owes the stop,
    /// and the stop is made before `baton run` exits.
    @Test func aTimedOutLastTaskIsStoppedOnItsPlatform() async throws {
        let dir = TemporaryDirectory("timeout-last")
        defer { dir.remove() }
        let pidFile = dir.appending("pid")
        let file = dir.appending("slow.yaml")
        try write("""
            name: slow
            connections:
              local: { platform: process }
            defaults: { connection: local, retry: { attempts: 1 } }
            tasks:
              sleepy: { command: [/bin/sh, -c, 'echo $$ > "$0"; exec sleep 120', \(pidFile)], timeout: 2s }
            """, to: file)
        let run = try await BatonProcess.run(["run", file, "--data", dir.appending("data"), "--run-id", "t1"])
        #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try await eventually(180) { kill(pid, 0) != 0 }, "process \(pid) still runs after its timeout")
    }

    static let simThirty = """
        name: sim30
        connections:
          s: { platform: sim, max_in_flight: 3, rate: 5/1s }
        defaults: { connection: s }
        tasks:
          t: { replicas: 30, duration: 150ms }
        """

    /// The sim keeps no state outside the process, yet a run it started is found again after a
    /// SIGKILL: its run ID spells out when it ends and how.
    @Test func aSimRunKilledMidwayResumesWithNothingLost() async throws {
        let dir = TemporaryDirectory("sim-resume")
        defer { dir.remove() }
        let file = dir.appending("sim30.yaml")
        try write(Self.simThirty, to: file)
        let data = dir.appending("data")
        let first = try BatonProcess.start(["run", file, "--data", data, "--run-id", "k1"])
        #expect(try await eventually(240) { try await replay(data).components(separatedBy: "TaskDispatched").count > 6 })
        first.kill()
        let second = try await BatonProcess.run(["run", file, "--data", data, "--run-id", "k1"])
        #expect(second.status == 0, "\(second.stdout.suffix(2_000))\(second.stderr)")
        #expect(second.stdout.contains("30 succeeded"))
        #expect(!(try await replay(data)).contains("lost"))
    }

    /// Two processes share one data directory and claim each other's tasks: each answers for the
    /// runs the other submitted.
    @Test func twoRunProcessesOnOneDirectoryLoseNoSimAttempt() async throws {
        let dir = TemporaryDirectory("sim-two")
        defer { dir.remove() }
        let file = dir.appending("sim30.yaml")
        try write(Self.simThirty, to: file)
        let data = dir.appending("data")
        #expect(try await BatonProcess.run(["validate", file]).status == 0)
        let results = try await withThrowingTaskGroup(of: BatonProcess.Output.self) { group in
            for _ in 0..<2 { group.addTask { try await BatonProcess.run(["run", file, "--data", data, "--run-id", "k2"]) } }
            var all: [BatonProcess.Output] = []
            for try await result in group { all.append(result) }
            return all
        }
        for result in results { #expect(result.status == 0, "\(result.stdout.suffix(1_000))\(result.stderr)") }
        let audit = try await replay(data)
        #expect(!audit.contains("lost"), "\(audit)")
        #expect(audit.components(separatedBy: "TaskSucceeded").count == 31)
    }
}
