import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A real `baton serve` on 127.0.0.1 against the requests a hostile probe sent: none may stop
/// it, each refusal is JSON naming the problem, and a stop asked for during start-up is graceful.
@Suite struct HostHardeningTests {
    static let retrying = """
        name: flaky
        params: { day: "" }
        connections:
          s: { platform: sim, max_in_flight: 4 }
        defaults: { connection: s, retry: { attempts: 2, delay: 10ms, max_delay: 10ms } }
        tasks:
          a: { outcome: [failure, success], duration: 50ms }
          b: { after: [a], outcome: [failure, success], duration: 50ms }
          c: { after: [a], duration: 50ms }
        """
    static let other = "name: other\nconnections:\n  s: { platform: sim }\ndefaults: { connection: s }\ntasks:\n  only: { duration: 10ms }\n"

    /// A host over a fresh directory with both workflows registered.
    private func withHost(_ body: (BatonProcess.Running, Int, String) async throws -> Void) async throws {
        let dir = TemporaryDirectory("hardening")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try Self.retrying.write(toFile: workflows + "/flaky.yaml", atomically: true, encoding: .utf8)
        try Self.other.write(toFile: workflows + "/other.yaml", atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let host = try startHost(workflows: workflows, data: data)
        defer { if host.isRunning { host.kill() } }
        let port = try #require(try await apiPort(host), "\(host.stderr)")
        #expect(try await eventually(240) { try await replay(data).components(separatedBy: "WorkflowRegistered").count == 3 }, "\(host.stderr)")
        try await body(host, port, data)
        #expect(host.isRunning, "the host died: \(host.stderr)")
        #expect(await stopHost(host) == 0, "\(host.stderr)")
        #expect(try await BatonProcess.run(["replay", "--data", data, "--verify"]).status == 0)
    }

    private func message(_ body: String) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return (object?["error"] as? [String: Any])?["message"] as? String
    }

    @Test func integersAndRoutesFromARequestNeverStopTheHost() async throws {
        try await withHost { host, port, _ in
            for after in ["18446744073709551615", "18446744073709551614", "99999999"] {
                let (body, status) = try await http(port, "GET", "/v1/events?after=\(after)")
                #expect(status == 400 && message(body)?.contains("past the log's head") == true, "\(after): \(body)")
            }
            for (query, expected) in [("max=0", "max 0"), ("max=-1", "max -1"), ("max=99999999999999999999", "is not a positive"),
                                      ("after=-1", "after -1 is not"), ("after=1e3", "after 1e3 is not")] {
                let (body, status) = try await http(port, "GET", "/v1/events?\(query)")
                #expect(status == 400 && message(body)?.contains(expected) == true, "\(query): \(body)")
            }
            for limit in ["0", "-5", "18446744073709551616", "501"] {
                #expect(try await http(port, "GET", "/v1/runs?limit=\(limit)").status == 400, "limit \(limit)")
            }
            #expect(try await http(port, "GET", "/v1/health").status == 200, "\(host.stderr)")
        }
    }

    @Test func everyRefusalHasTheErrorShape() async throws {
        try await withHost { _, port, _ in
            let (route, routeStatus) = try await http(port, "GET", "/v1/nothing-here")
            #expect(routeStatus == 404 && message(route) == "no route GET /v1/nothing-here (the routes are in Specs/http-api.yaml)", "\(route)")
            let (method, methodStatus) = try await http(port, "DELETE", "/v1/runs")
            #expect(methodStatus == 404 && message(method)?.contains("no route DELETE /v1/runs") == true, "\(method)")
            let big = #"{"run_id": ""# + String(repeating: "x", count: 70_000) + #""}"#
            let (large, largeStatus) = try await http(port, "POST", "/v1/workflows/flaky/runs", big)
            #expect(largeStatus == 413 && message(large) == "the request body is larger than 65536 bytes", "\(large)")
            let (param, paramStatus) = try await http(port, "POST", "/v1/workflows/flaky/runs", #"{"params": {"dya": "x"}}"#)
            #expect(paramStatus == 422 && message(param) == "workflow flaky declares no param dya (declared: day)", "\(param)")
            // Refused by the HTTP parser, before any route: a path and a header over its limits.
            let longPath = Array("GET /v1/\(String(repeating: "p", count: 90_000)) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            let longHeader = Array("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: \(String(repeating: "h", count: 90_000))\r\n\r\n".utf8)
            for request in [longPath, longHeader] {
                let answer = try rawExchange(port, request)
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(300))")
                let body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined()
                #expect(message(body)?.contains("longer than the server accepts") == true, "\(answer.prefix(300))")
            }
            #expect(try await http(port, "GET", "/v1/health").status == 200)
        }
    }

    /// Two workflows race for the same run IDs: whichever owns a run, every request naming the
    /// other workflow is refused with 409, never answered `created: false` as if it were its own.
    @Test func concurrentTriggersOfOneRunIDGiveTheOtherWorkflowA409() async throws {
        try await withHost { _, port, _ in
            for round in 0..<20 {
                let id = "race-\(round)"
                let answers = try await withThrowingTaskGroup(of: (String, Int, String).self) { group in
                    for index in 0..<20 {
                        let workflow = index % 2 == 0 ? "flaky" : "other"
                        group.addTask {
                            let (body, status) = try await http(port, "POST", "/v1/workflows/\(workflow)/runs", #"{"run_id": "\#(id)"}"#)
                            return (workflow, status, body)
                        }
                    }
                    var all: [(String, Int, String)] = []
                    for try await answer in group { all.append(answer) }
                    return all
                }
                let owners = Set(answers.filter { $0.1 == 201 }.map(\.0))
                #expect(owners.count == 1 && answers.filter { $0.1 == 201 }.count == 1, "round \(round): \(answers)")
                for (workflow, status, body) in answers where !owners.contains(workflow) {
                    #expect(status == 409, "round \(round): \(workflow) got \(status) \(body)")
                }
                for (workflow, status, _) in answers where owners.contains(workflow) {
                    #expect(status == 201 || status == 200, "round \(round): the owner \(workflow) got \(status)")
                }
            }
        }
    }

    /// Triggers, cancels, retries and clears arrive together against runs whose tasks fail once
    /// and retry: the engine loop plans every effect from the commit that called for it, so a
    /// claim reset under it is skipped instead of trapping. Bounded by the number of requests.
    @Test func aStormOfOperatorRequestsAgainstRetryingRunsNeverStopsTheHost() async throws {
        try await withHost { host, port, data in
            let requests = 240
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var generator = SeededGenerator(seed: UInt64(worker + 1))
                        for step in 0..<(requests / 4) {
                            let run = "storm-\(Int.random(in: 0..<12, using: &generator))"
                            let task = ["a", "b", "c"][Int.random(in: 0..<3, using: &generator)]
                            switch Int.random(in: 0..<4, using: &generator) {
                            case 0: _ = try await http(port, "POST", "/v1/workflows/flaky/runs", #"{"run_id": "\#(run)"}"#)
                            case 1: _ = try await http(port, "POST", "/v1/runs/\(run)/cancel", #"{"reason": "storm \#(step)"}"#)
                            case 2: _ = try await http(port, "POST", "/v1/runs/\(run)/tasks/\(task)/retry", "")
                            default: _ = try await http(port, "POST", "/v1/runs/\(run)/tasks/\(task)/clear", "")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(host.isRunning, "\(host.stderr)")
            #expect(try await http(port, "GET", "/v1/health").status == 200)
            // The runs that were not cancelled all come to an end.
            let ended = try await eventually(240) {
                let page = try await http(port, "GET", "/v1/runs?status=running&limit=100").body
                return page.contains(#""runs":[]"#)
            }
            let audit = ended ? "" : ((try? await replay(data)) ?? "")
            #expect(ended, "\(audit.suffix(2_000))")
        }
    }

    /// SIGTERM while the host still replays its log (systemctl stop during start-up): it stops
    /// once recovery is done, exit 0, instead of dying of the signal.
    @Test func aStopDuringStartUpIsGraceful() async throws {
        let dir = TemporaryDirectory("startup-stop")
        defer { dir.remove() }
        let data = dir.appending("data")
        let workflows = dir.appending("workflows")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        // A log long enough that replaying it takes a moment.
        let file = dir.appending("wide.yaml")
        try "name: wide\nconnections:\n  s: { platform: sim }\ndefaults: { connection: s }\ntasks:\n  t: { replicas: 10000 }\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await BatonProcess.run(["run", file, "--data", data, "--run-id", "w1"]).status == 0)
        let host = try startHost(workflows: workflows, data: data)
        defer { if host.isRunning { host.kill() } }
        #expect(try await eventually(240) { host.stderr.contains("host recovering") }, "\(host.stderr)")
        kill(host.processIdentifier, SIGTERM)
        #expect(await host.exitCode == 0, "\(host.stderr)")
        #expect(host.stderr.contains("host stopped"), "\(host.stderr)")
    }
}
