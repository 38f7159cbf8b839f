import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `baton serve` as a real process: it registers and reloads definitions, fires a schedule, runs
/// what it created, and stops on SIGTERM with exit 0.
@Suite struct ServeTests {
    static func minutely(tasks: [String]) -> String {
        "name: minutely\nschedule: { cron: \"* * * * *\", catchup: false }\nconnections:\n  simc: { platform: sim }\n"
            + "defaults: { connection: simc }\ntasks:\n" + tasks.map { "  \($0): {}\n" }.joined()
    }

    @Test func serveRegistersReloadsFiresASchedulesAndStopsOnSIGTERM() async throws {
        let dir = TemporaryDirectory("serve")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        let data = dir.appending("data")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try Self.minutely(tasks: ["a"]).write(toFile: workflows + "/minutely.yaml", atomically: true, encoding: .utf8)
        let host = try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--log-format", "json", "--listen", "127.0.0.1:0"])
        defer { if host.isRunning { host.kill() } }

        #expect(try await eventually(180) { try await replay(data).contains("WorkflowRegistered") }, "\(host.stderr)")
        // An invalid edit is reported and registers nothing.
        try "name: minutely\ntasks: [".write(toFile: workflows + "/minutely.yaml", atomically: true, encoding: .utf8)
        #expect(try await eventually(180) { host.stderr.contains("workflow file rejected") }, "\(host.stderr)")
        // A valid edit is a new version.
        try Self.minutely(tasks: ["a", "b"]).write(toFile: workflows + "/minutely.yaml", atomically: true, encoding: .utf8)
        #expect(try await eventually(180) { try await replay(data).components(separatedBy: "WorkflowRegistered").count == 3 }, "\(host.stderr)")

        // The API: trigger a run over HTTP (twice: one run), read it back.
        let port = try #require(try await apiPort(host))
        let (created, createdStatus) = try await http(port, "POST", "/v1/workflows/minutely/runs", #"{"run_id": "http-1"}"#)
        #expect(createdStatus == 201 && created.contains(#""created":true"#), "\(created)")
        #expect(try await http(port, "POST", "/v1/workflows/minutely/runs", #"{"run_id": "http-1"}"#).status == 200)
        #expect(try await eventually(180) { try await http(port, "GET", "/v1/runs/http-1").body.contains(#""status":"succeeded""#) })
        #expect(try await http(port, "GET", "/v1/runs/nope").status == 404)
        let metrics = try await http(port, "GET", "/metrics").body
        #expect(metrics.contains(#"baton_events_total{type="TaskDispatched"}"#) && metrics.contains("baton_commit_seconds_bucket"), "\(metrics)")

        // The next minute boundary fires the schedule; the host runs the run it created.
        #expect(try await eventually(240) {
            let audit = try await replay(data)
            // At least: on a slow machine the next minute's run may have finished too.
            return audit.contains("trigger schedule") && audit.components(separatedBy: "RunFinished").count >= 3
        }, "\(host.stderr)")
        let audit = try await replay(data)
        #expect(audit.contains("ScheduleFired") && audit.contains("trigger schedule by host"))
        let status = try await BatonProcess.run(["status", "--data", data])
        #expect(status.stdout.contains("succeeded"), "\(status.stdout)")

        // An event stream left open must not hold up the graceful stop.
        let stream = try openEventStream(port)
        defer { close(stream) }
        try await Task.sleep(for: .milliseconds(500))
        kill(host.processIdentifier, SIGTERM)
        // A generous ceiling, not a speed claim: an open stream must not hold the stop forever.
        #expect(try await eventually(240) { !host.isRunning }, "the host did not stop after SIGTERM")
        #expect(await host.exitCode == 0, "\(host.stderr)")
        #expect(host.stderr.contains("\"message\":\"host stopped\""))
        #expect(try await BatonProcess.run(["replay", "--data", data, "--verify"]).status == 0)
    }

    @Test func cancelOverHTTPStopsTheRunningProcessAndRetryRunsItAgain() async throws {
        let dir = TemporaryDirectory("serve-cancel")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        let data = dir.appending("data")
        let pidFile = dir.appending("pid")
        let go = dir.appending("go")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        // The task records its PID, then sleeps a day (longer than any stall of a busy machine),
        // unless the go file exists.
        let script = #"echo $$ > "$1"; if [ -e "$2" ]; then exit 0; fi; exec sleep 86400"#
        try """
            name: slowpoke
            connections:
              local: { platform: process }
            defaults: { connection: local }
            tasks:
              wait: { command: [/bin/sh, -c, '\(script)', wait, \(pidFile), \(go)] }
              after: { after: [wait], command: [/bin/true] }
            """.write(toFile: workflows + "/slowpoke.yaml", atomically: true, encoding: .utf8)
        let host = try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--log-format", "json", "--listen", "127.0.0.1:0"])
        defer { if host.isRunning { host.kill() } }
        let port = try #require(try await apiPort(host))
        #expect(try await eventually(180) { try await http(port, "POST", "/v1/workflows/slowpoke/runs", #"{"run_id": "s-1"}"#).status == 201 },
                "\(host.stderr)")
        #expect(try await eventually(180) { FileManager.default.fileExists(atPath: pidFile) }, "\(host.stderr)")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { if kill(pid, 0) == 0 { kill(pid, SIGKILL) } }

        let (cancelled, status) = try await http(port, "POST", "/v1/runs/s-1/cancel", #"{"reason": "wrong input"}"#)
        #expect(status == 202, "\(cancelled)")
        #expect(try await eventually(180) { try await http(port, "GET", "/v1/runs/s-1").body.contains(#""status":"cancelled""#) })
        // The sleeping process was stopped on the platform, not left to run out its day.
        #expect(try await eventually(120) { kill(pid, 0) != 0 }, "process \(pid) still runs after the cancel")

        try "".write(toFile: go, atomically: true, encoding: .utf8)
        let (retried, retryStatus) = try await http(port, "POST", "/v1/runs/s-1/tasks/wait/retry", "")
        #expect(retryStatus == 200 && retried.contains(#""reset":["wait","after"]"#), "\(retried)")
        #expect(try await eventually(180) { try await http(port, "GET", "/v1/runs/s-1").body.contains(#""status":"succeeded""#) }, "\(host.stderr)")
        let audit = try await replay(data)
        #expect(audit.contains("RunCancelRequested") && audit.contains("TaskCancelRequested") && audit.contains("TasksCleared"), "\(audit)")
        kill(host.processIdentifier, SIGTERM)
        #expect(try await eventually(240) { !host.isRunning })
        #expect(await host.exitCode == 0, "\(host.stderr)")
    }

    @Test func sigtermWithAHundredProcessTasksInFlightThenRestartRunsEachTaskOnce() async throws {
        let dir = TemporaryDirectory("serve-sigterm")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        let data = dir.appending("data")
        let ledger = dir.appending("ledger")
        for path in [workflows, ledger] { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        var yaml = "name: wide\nconnections:\n  local: { platform: process, max_in_flight: 100 }\ndefaults: { connection: local, retry: { attempts: 1 } }\ntasks:\n"
        for index in 0..<100 {
            yaml += "  t\(index):\n    command: [\"/bin/sh\", \"-c\", \"echo started >> \\\"$1/$0.log\\\"; sleep 3\", \"t\(index)\", \"\(ledger)\"]\n"
        }
        try yaml.write(toFile: workflows + "/wide.yaml", atomically: true, encoding: .utf8)
        let first = try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--listen", "127.0.0.1:0"])
        defer { if first.isRunning { first.kill() } }
        #expect(try await eventually(180) { try await replay(data).contains("WorkflowRegistered") }, "\(first.stderr)")
        let trigger = try await BatonProcess.run(["trigger", "wide", "--run-id", "w1", "--data", data])
        #expect(trigger.status == 0 && trigger.stdout == "w1\n", "\(trigger.stderr)")
        let again = try await BatonProcess.run(["trigger", "wide", "--run-id", "w1", "--data", data])
        #expect(again.stdout.contains("exists already"))
        #expect(try await eventually(180) { try await replay(data, ["--json"]).components(separatedBy: "\"TaskDispatched\"").count > 40 }, "\(first.stderr)")

        kill(first.processIdentifier, SIGTERM)
        #expect(await first.exitCode == 0, "\(first.stderr)")
        let second = try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--listen", "127.0.0.1:0"])
        defer { if second.isRunning { second.kill() } }
        #expect(try await eventually(180) { try await replay(data).contains("RunFinished") }, "\(second.stderr)")
        kill(second.processIdentifier, SIGTERM)
        #expect(await second.exitCode == 0, "\(second.stderr)")

        let status = try await BatonProcess.run(["status", "--data", data, "w1"])
        #expect(status.stdout.contains("run w1 succeeded"), "\(status.stdout)")
        var starts: [String: Int] = [:]
        for index in 0..<100 {
            let text = (try? String(contentsOfFile: ledger + "/t\(index).log", encoding: .utf8)) ?? ""
            starts["t\(index)"] = text.split(separator: "\n").count
        }
        #expect(starts.values.allSatisfy { $0 == 1 }, "tasks not started exactly once: \(starts.filter { $0.value != 1 })")
    }

    @Test func aRunKeepsItsDefinitionWhileTheFileChangesUnderIt() async throws {
        let dir = TemporaryDirectory("serve-reload")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        let data = dir.appending("data")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        func version(_ tasks: [String]) -> String {
            "name: evolving\nconnections:\n  local: { platform: process }\ndefaults: { connection: local }\ntasks:\n"
                + tasks.enumerated().map { "  \($1): { command: [\"/bin/sleep\", \"6\"]\($0 > 0 ? ", after: [\(tasks[$0 - 1])]" : "") }\n" }.joined()
        }
        try version(["extract"]).write(toFile: workflows + "/evolving.yaml", atomically: true, encoding: .utf8)
        let host = try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--listen", "127.0.0.1:0"])
        defer { if host.isRunning { host.kill() } }
        #expect(try await eventually(180) { try await replay(data).contains("WorkflowRegistered") }, "\(host.stderr)")
        #expect(try await BatonProcess.run(["trigger", "evolving", "--run-id", "old", "--data", data]).status == 0)
        #expect(try await eventually(180) { try await replay(data).contains("TaskDispatched") }, "\(host.stderr)")
        // While "old" runs, the file gains a task, then an invalid edit follows.
        try version(["extract", "publish"]).write(toFile: workflows + "/evolving.yaml", atomically: true, encoding: .utf8)
        #expect(try await eventually(180) { try await replay(data).components(separatedBy: "WorkflowRegistered").count == 3 }, "\(host.stderr)")
        #expect(try await BatonProcess.run(["trigger", "evolving", "--run-id", "new", "--data", data]).status == 0)
        try "name: evolving\ntasks: {".write(toFile: workflows + "/evolving.yaml", atomically: true, encoding: .utf8)
        #expect(try await eventually(180) { host.stderr.contains("rejected") }, "\(host.stderr)")
        #expect(try await eventually(240) { try await replay(data).components(separatedBy: "RunFinished").count == 3 }, "\(host.stderr)")
        kill(host.processIdentifier, SIGTERM)
        #expect(await host.exitCode == 0)
        #expect(try await BatonProcess.run(["status", "--data", data, "old"]).stdout.contains("run old succeeded in"))
        #expect(try await BatonProcess.run(["status", "--data", data, "old"]).stdout.contains("1 succeeded"))
        #expect(try await BatonProcess.run(["status", "--data", data, "new"]).stdout.contains("2 succeeded"))
        #expect(try await replay(data).components(separatedBy: "WorkflowRegistered").count == 3, "the invalid edit registered nothing")
    }

    @Test func backfillPacedByMaxActiveRunsEveryIntervalOnce() async throws {
        let dir = TemporaryDirectory("serve-backfill")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        let data = dir.appending("data")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try "name: hourly\nschedule: { cron: \"0 * * * *\" }\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  a: {}\n  b: { after: [a] }\n"
            .write(toFile: workflows + "/hourly.yaml", atomically: true, encoding: .utf8)
        let host = try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--listen", "127.0.0.1:0"])
        defer { if host.isRunning { host.kill() } }
        #expect(try await eventually(180) { try await replay(data).contains("WorkflowRegistered") }, "\(host.stderr)")
        let arguments = ["backfill", "hourly", "--from", "2026-11-23T00:00:00Z", "--to", "2026-11-23T03:00:00Z", "--max-active", "1", "--data", data]
        let first = try await BatonProcess.run(arguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) }
                == (0...3).map { "hourly-20261123T0\($0)0000Z" })
        let second = try await BatonProcess.run(arguments)
        #expect(second.stdout.components(separatedBy: "exists already").count == 5, "\(second.stdout)")
        // Only the backfill's runs count: a test that spans a full hour also sees the schedule fire.
        func backfillLines() async throws -> [String] {
            try await replay(data, ["--json"]).split(separator: "\n").map(String.init).filter { $0.contains("\"run_id\":\"hourly-20261123T0") }
        }
        #expect(try await eventually(180) { try await backfillLines().count { $0.contains("\"type\":\"RunFinished\"") } == 4 }, "\(host.stderr)")
        // Paced: each run was created only after the one before it finished.
        let lines = try await backfillLines()
        let order = lines.compactMap { line -> String? in
            line.contains("\"type\":\"RunCreated\"") ? "created" : line.contains("\"type\":\"RunFinished\"") ? "finished" : nil
        }
        #expect(order == ["created", "finished", "created", "finished", "created", "finished", "created", "finished"])
        kill(host.processIdentifier, SIGTERM)
        #expect(await host.exitCode == 0)
    }
}
