import BatonModel
import Foundation
import Testing

@Suite struct WorkflowLoaderTests {
    @Test func loadsTheDailyRevenueExample() throws {
        let workflow = try WorkflowLoader.load(contentsOf: TestPaths.examples + "/daily_revenue.yaml")
        #expect(workflow.name == "daily_revenue")
        #expect(workflow.owner == "data-platform@example.com")
        #expect(workflow.alerts == ["data-oncall"])
        #expect(workflow.params["region"] == "eu")
        #expect(workflow.schedule == WorkflowSchedule(cron: "0 6 * * *", timeZone: "Europe/Berlin", catchup: false))
        #expect(workflow.connections["local"] == ConnectionSpec(platform: "process", maxInFlight: 4, rate: RateLimit(count: 10, window: .seconds(60))))
        #expect(workflow.tasks.map(\.id) == ["extract_orders", "extract_refunds", "load_raw", "check_quality", "refresh", "alert_owner", "cleanup"])
        let load = try #require(workflow.task(named: "load_raw"))
        #expect(load.after == [Edge(upstream: "extract_orders"), Edge(upstream: "extract_refunds")])
        #expect(load.connection == "local")
        #expect(load.retry == RetryPolicy(attempts: 3, delay: .seconds(10), maxDelay: .seconds(300)))
        #expect(load.timeout == .seconds(1800))
        #expect(workflow.task(named: "refresh")?.timeout == .seconds(5400))
        #expect(workflow.task(named: "alert_owner")?.after == [Edge(upstream: "check_quality", condition: .failure)])
        #expect(workflow.task(named: "cleanup")?.retry.attempts == 1)
        #expect(workflow.task(named: "cleanup")?.retry.delay == .seconds(10))
        #expect(workflow.source.hasPrefix("# The daily revenue pipeline"))
    }

    @Test(arguments: TestPaths.yamlFiles(in: TestPaths.examples))
    func everyExampleIsValid(file: String) throws {
        let workflow = try WorkflowLoader.load(contentsOf: TestPaths.examples + "/" + file)
        #expect(WorkflowGraph(workflow).count >= workflow.tasks.count)
    }

    /// The first byte that is not UTF-8 is named where it is, not at the start of the file.
    @Test func aNonUTF8FileIsReportedAtItsFirstBadByte() throws {
        let path = NSTemporaryDirectory() + "baton-not-utf8-\(UInt32.random(in: 0...UInt32.max)).yaml"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = Array("name: x\ntasks:\n  a: { command: [echo, \"h\u{E9}llo ".utf8) + [0xFF] + Array("\"] }\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: WorkflowError(problems: [Problem(file: path, line: 3, column: 31, message: "file is not UTF-8 text: byte 0xFF here is not valid UTF-8")])) {
            try WorkflowLoader.load(contentsOf: path)
        }
    }

    @Test func jsonAndYamlGiveTheSameModel() throws {
        let yaml = """
            name: same
            connections: { c: { platform: sim, rate: 5/30s, settings: { zone: a } } }
            tasks:
              a: { outcome: [failure, success], duration: 50ms, retry: { attempts: 2 } }
              b: { after: { a: completion }, join: any, replicas: 2, idempotent: false }
            """
        let json = """
            {"name": "same",
             "connections": {"c": {"platform": "sim", "rate": "5/30s", "settings": {"zone": "a"}}},
            \t"tasks": {
             "a": {"outcome": ["failure", "success"], "duration": "50ms", "retry": {"attempts": 2}},
             "b": {"after": {"a": "completion"}, "join": "any", "replicas": 2, "idempotent": false}}}
            """
        var fromYAML = try WorkflowLoader.parse(yaml, file: "same.yaml")
        var fromJSON = try WorkflowLoader.parse(json, file: "same.json")
        fromYAML.source = ""
        fromJSON.source = ""
        #expect(fromYAML == fromJSON)
        #expect(fromYAML.tasks[0].job["outcome"] == .list([Template(literal: "failure"), Template(literal: "success")]))
        #expect(fromYAML.tasks[1].replicas == .count(2))
        #expect(fromYAML.tasks[1].connection == "c")
    }

    @Test func taskWithoutConnectionUsesTheBuiltInSim() throws {
        let workflow = try WorkflowLoader.parse("name: w\ntasks: { a: {} }", file: "w.yaml")
        #expect(workflow.tasks[0].connection == "sim")
        #expect(workflow.connections["sim"] == ConnectionSpec(platform: "sim"))
    }

    @Test func jsonProblemsCarryLines() throws {
        let json = """
            {
              "name": "j",
              "tasks": {
                "a": {"after": ["nope"]}
              }
            }
            """
        let error = try #require(throws: WorkflowError.self) { try WorkflowLoader.parse(json, file: "j.json") }
        #expect(error.description == "j.json:4:21: task a: after nope: unknown upstream \"nope\"")
    }

    @Test func missingFileIsOneProblemNamingThePath() throws {
        let error = try #require(throws: WorkflowError.self) { try WorkflowLoader.load(contentsOf: "/nonexistent/w.yaml") }
        #expect(error.problems.count == 1)
        #expect(error.description.hasPrefix("/nonexistent/w.yaml:1:1: cannot read workflow file"))
    }
}
