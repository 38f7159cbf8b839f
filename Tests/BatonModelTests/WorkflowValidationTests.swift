import BatonModel
import Testing

/// Every validation error kind: the message names the file, the line (and column) and the task.
@Suite struct WorkflowValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let kind: String
        let yaml: String
        let line: Int
        let column: Int?
        let task: String?
        let contains: String
        var testDescription: String { kind }
    }

    static let cases: [Case] = [
        // 80 bytes that would expand to 2 × 10^8 edges: refused before any graph is built.
        Case(kind: "replica edges over the limit", yaml: """
            name: w
            tasks:
              a: { replicas: 10000 }
              b: { replicas: 10000, after: [a] }
              c: { replicas: 10000, after: [b] }
            """, line: 4, column: 33, task: "b", contains: "more than 1000000 edges (this edge alone is 10000 × 10000)"),
        Case(kind: "cycle", yaml: """
            name: w
            tasks:
              a: { after: [c] }
              b: { after: [a] }
              c: { after: [b] }
            """, line: 3, column: 16, task: "a", contains: "cycle a -> b -> c -> a"),
        Case(kind: "self-edge", yaml: """
            name: w
            tasks:
              a: {}
              b: { after: [a, b] }
            """, line: 4, column: 19, task: "b", contains: "task depends on itself"),
        Case(kind: "unknown upstream", yaml: """
            name: w
            tasks:
              extract_orders: {}
              load_raw:
                after: [extract_order]
            """, line: 5, column: 13, task: "load_raw",
            contains: "after extract_order: unknown upstream \"extract_order\" (did you mean \"extract_orders\"?)"),
        Case(kind: "unknown connection", yaml: """
            name: w
            connections: { local: { platform: process } }
            tasks:
              a: { connection: locl }
            """, line: 4, column: 20, task: "a", contains: "unknown connection \"locl\" (did you mean \"local\"?)"),
        Case(kind: "duplicate task name (map)", yaml: """
            name: w
            tasks:
              a: {}
              b: {}
              a: { after: [b] }
            """, line: 5, column: 3, task: "a", contains: "duplicate task name \"a\""),
        Case(kind: "duplicate task name (list)", yaml: """
            name: w
            tasks:
              - id: a
              - id: a
            """, line: 4, column: 9, task: "a", contains: "duplicate task name \"a\" (first defined at line 3)"),
        Case(kind: "unknown key", yaml: """
            name: w
            tasks:
              a:
                comand: [./run.sh]
            """, line: 4, column: 5, task: "a", contains: "unknown key \"comand\" in task a (did you mean \"command\"?)"),
        Case(kind: "unknown top-level key", yaml: """
            name: w
            taks: {}
            tasks: { a: {} }
            """, line: 2, column: 1, task: nil, contains: "unknown key \"taks\" in the workflow (did you mean \"tasks\"?)"),
        Case(kind: "bad cron", yaml: """
            name: w
            schedule: { cron: "61 6 * * *", timezone: UTC }
            tasks: { a: {} }
            """, line: 2, column: 19, task: nil, contains: "bad cron \"61 6 * * *\""),
        Case(kind: "bad time zone", yaml: """
            name: w
            schedule: { cron: "0 6 * * *", timezone: Mars/Olympus }
            tasks: { a: {} }
            """, line: 2, column: 42, task: nil, contains: "unknown time zone \"Mars/Olympus\""),
        Case(kind: "bad duration", yaml: """
            name: w
            tasks:
              a: { timeout: 5 minutes }
            """, line: 3, column: 17, task: "a", contains: "bad duration \"5 minutes\" for timeout"),
        Case(kind: "bad rate", yaml: """
            name: w
            connections:
              local: { platform: process, rate: 10/0s }
            tasks: { a: {} }
            """, line: 3, column: 37, task: nil, contains: "bad rate \"10/0s\" in connection local"),
        Case(kind: "bad template", yaml: """
            name: w
            tasks:
              a: { command: [./run.sh, "{{ run.logical_date }"] }
            """, line: 3, column: 28, task: "a", contains: "bad template \"{{ run.logical_date }\": unclosed"),
        Case(kind: "unknown template namespace", yaml: """
            name: w
            tasks:
              a: { command: ["{{ env.HOME }}"] }
            """, line: 3, column: 18, task: "a", contains: "unknown namespace \"env\""),
        Case(kind: "template names non-ancestor", yaml: """
            name: w
            tasks:
              a: {}
              b: { command: ["{{ tasks.c.output.rows }}"], after: [a] }
              c: {}
            """, line: 4, column: 18, task: "b", contains: "names task that is not an ancestor of b \"c\""),
        Case(kind: "template names unknown task", yaml: """
            name: w
            tasks:
              b: { command: ["{{ tasks.zz.output.rows }}"] }
            """, line: 3, column: 18, task: "b", contains: "names unknown task \"zz\""),
        Case(kind: "undeclared param", yaml: """
            name: w
            params: { region: eu }
            tasks:
              a: { command: ["{{ params.regoin }}"] }
            """, line: 4, column: 18, task: "a", contains: "undeclared param \"regoin\" (did you mean \"region\"?)"),
        Case(kind: "bad edge condition", yaml: """
            name: w
            tasks:
              a: {}
              b: { after: { a: failed } }
            """, line: 4, column: 20, task: "b", contains: "after a: bad edge condition \"failed\""),
        Case(kind: "bad join", yaml: """
            name: w
            tasks:
              a: { join: some }
            """, line: 3, column: 14, task: "a", contains: "bad join \"some\""),
        Case(kind: "bad outcome", yaml: """
            name: w
            tasks:
              a: { outcome: [failure, sucess] }
            """, line: 3, column: 27, task: "a", contains: "bad outcome \"sucess\""),
        Case(kind: "bad task name", yaml: """
            name: w
            tasks:
              "a.b": {}
            """, line: 3, column: 3, task: "a.b", contains: "bad task name \"a.b\""),
        Case(kind: "repeated edge", yaml: """
            name: w
            tasks:
              a: {}
              b: { after: [a, a] }
            """, line: 4, column: 19, task: "b", contains: "repeated edge from \"a\""),
        Case(kind: "bad replicas", yaml: """
            name: w
            tasks:
              a: { replicas: 0 }
            """, line: 3, column: 18, task: "a", contains: "replicas must be an integer in 1...10000"),
        Case(kind: "retry delays", yaml: """
            name: w
            tasks:
              a: { retry: { delay: 10m, max_delay: 1m } }
            """, line: 3, column: 15, task: "a", contains: "retry.max_delay 1m is shorter than retry.delay 10m"),
        Case(kind: "missing name", yaml: """
            tasks: { a: {} }
            """, line: 1, column: 1, task: nil, contains: "missing required key \"name\""),
        Case(kind: "bad workflow name", yaml: """
            name: Daily Revenue
            tasks: { a: {} }
            """, line: 1, column: 7, task: nil, contains: "bad workflow name \"Daily Revenue\""),
        Case(kind: "not YAML", yaml: """
            name: w
            tasks: { a: [ }
            """, line: 2, column: 15, task: nil, contains: "not valid YAML or JSON"),
        Case(kind: "no tasks", yaml: """
            name: w
            tasks: {}
            """, line: 2, column: 1, task: nil, contains: "the workflow has no tasks"),
        Case(kind: "bad webhook name", yaml: """
            name: w
            alerts: [oncall, "https://hooks.example/x"]
            tasks: { a: {} }
            """, line: 2, column: 18, task: nil, contains: "bad webhook name in alerts: use"),
        Case(kind: "alerts not a list", yaml: """
            name: w
            alerts: { to: oncall }
            tasks: { a: {} }
            """, line: 2, column: 9, task: nil, contains: "alerts must be a list"),
        Case(kind: "slots over max_in_flight", yaml: """
            name: w
            connections:
              c: { platform: sim, max_in_flight: 2 }
            tasks:
              a: { connection: c, slots: 3 }
            """, line: 5, column: 30, task: "a", contains: "slots: 3 is more than connection c has (max_in_flight: 2)"),
        Case(kind: "bad on_full", yaml: """
            name: w
            connections:
              c: { platform: sim, queue: { max: 5, on_full: rejct } }
            tasks: { a: { connection: c } }
            """, line: 3, column: 49, task: nil, contains: "bad connection c queue.on_full \"rejct\" (expected wait, reject, drop_oldest)"),
        Case(kind: "unknown queue key", yaml: """
            name: w
            connections:
              c: { platform: sim, queue: { maxx: 5 } }
            tasks: { a: { connection: c } }
            """, line: 3, column: nil, task: nil, contains: "maxx"),
        Case(kind: "priority out of range", yaml: """
            name: w
            tasks:
              a: { priority: 5000 }
            """, line: 3, column: 18, task: "a", contains: "priority must be an integer in -1000...1000"),
        Case(kind: "unknown job key", yaml: """
            name: w
            connections:
              local: { platform: process }
            tasks:
              a: { connection: local, job: { comand: [echo, hi] } }
            """, line: 5, column: 34, task: "a", contains: "unknown job key \"comand\" for platform process (connection local) (did you mean \"command\"?)"),
        Case(kind: "missing job key", yaml: """
            name: w
            connections:
              local: { platform: process }
            tasks:
              a: { connection: local }
            """, line: 5, column: 3, task: "a", contains: "platform process needs job.command"),
        Case(kind: "job key of another platform", yaml: """
            name: w
            tasks:
              a: { command: [echo, hi] }
            """, line: 3, column: 8, task: "a", contains: "unknown job key \"command\" for platform sim"),
        Case(kind: "bad sim outcome", yaml: """
            name: w
            tasks:
              a: { job: { outcome: [success, sucess] } }
            """, line: 3, column: 34, task: "a", contains: "job.outcome: bad outcome \"sucess\""),
        Case(kind: "job key given twice", yaml: """
            name: w
            tasks:
              a: { duration: 1s, job: { duration: 2s } }
            """, line: 3, column: 29, task: "a", contains: "job.duration is given twice"),
        Case(kind: "job value of the wrong shape", yaml: """
            name: w
            tasks:
              a: { job: { duration: [1s, 2s] } }
            """, line: 3, column: 25, task: "a", contains: "job.duration for platform sim must be a single value"),
    ]

    @Test(arguments: cases)
    func reportsFileLineAndTask(_ testCase: Case) {
        #expect(throws: WorkflowError.self) { try WorkflowLoader.parse(testCase.yaml, file: "bad.yaml") }
        do {
            _ = try WorkflowLoader.parse(testCase.yaml, file: "bad.yaml")
        } catch {
            let problem = error.problems.first { $0.description.contains(testCase.contains) }
            #expect(problem != nil, "\(testCase.kind): no problem contains \(testCase.contains) in\n\(error)")
            guard let problem else { return }
            #expect(problem.file == "bad.yaml")
            #expect(problem.line == testCase.line, "\(testCase.kind): \(problem)")
            if let column = testCase.column { #expect(problem.column == column, "\(testCase.kind): \(problem)") }
            #expect(problem.task == testCase.task, "\(testCase.kind): \(problem)")
            let prefix = "bad.yaml:\(problem.line):\(problem.column): " + (testCase.task.map { "task \($0): " } ?? "")
            #expect(problem.description.hasPrefix(prefix), "\(problem.description)")
        }
    }

    @Test func reportsEveryProblemInOnePass() throws {
        let yaml = """
            name: w
            connections: { local: { platform: process, rate: fast } }
            tasks:
              a: { after: [b], timeout: soon }
              b: { after: [a] }
              a: { connection: nowhere }
              c: { after: [missing], comand: [x] }
            """
        let error = try #require(throws: WorkflowError.self) { try WorkflowLoader.parse(yaml, file: "many.yaml") }
        let messages = error.problems.map(\.message)
        for expected in ["bad rate", "bad duration", "cycle a -> b -> a", "duplicate task name", "unknown upstream", "unknown key \"comand\""] {
            #expect(messages.contains { $0.contains(expected) }, "missing \(expected) in\n\(error)")
        }
        #expect(error.problems.map(\.line) == error.problems.map(\.line).sorted())
        #expect(error.description.split(separator: "\n").count == error.problems.count)
    }

    @Test func reportsSeveralIndependentCycles() throws {
        let yaml = """
            name: w
            tasks:
              a: { after: [b] }
              b: { after: [a] }
              c: { after: [d] }
              d: { after: [c] }
            """
        let error = try #require(throws: WorkflowError.self) { try WorkflowLoader.parse(yaml, file: "c.yaml") }
        let cycles = error.problems.filter { $0.message.hasPrefix("cycle") }.map(\.message)
        #expect(cycles == ["cycle a -> b -> a", "cycle c -> d -> c"])
    }
}
