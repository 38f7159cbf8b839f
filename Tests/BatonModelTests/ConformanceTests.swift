import BatonModel
import Testing

/// Replays every vector of `Specs/conformance/` (adding a file adds a test case).
@Suite struct ConformanceTests {
    static let files = TestPaths.yamlFiles(in: TestPaths.conformance)

    @Test func thereAreAtLeastFortyVectors() {
        #expect(Self.files.count >= 40, "found \(Self.files.count) vectors in \(TestPaths.conformance)")
    }

    @Test(arguments: files)
    func vectorResolvesToExpectedStates(file: String) throws {
        let text = try String(contentsOfFile: TestPaths.conformance + "/" + file, encoding: .utf8)
        let vector = try ConformanceVector.parse(text, file: file)
        let graph = WorkflowGraph(vector.workflow)
        #expect(Set(graph.names) == Set(vector.expectedStates.keys), "\(file): expect.tasks must list every task")
        for name in vector.outcomes.keys {
            #expect(graph.index(named: name) != nil, "\(file): outcome for unknown task \(name)")
        }
        let outcomes = { (task: TaskIndex) in vector.outcomes[graph.name(of: task)] ?? .succeeded }
        let orders: [RunDriver.Order] = [.firstReady, .lastReady, .seeded(1), .seeded(2), .seeded(3)]
        for order in orders {
            let resolution = RunDriver.run(graph, outcomes: outcomes, order: order)
            for task in graph.indices {
                let state = resolution.state(of: task).terminalState
                #expect(state == vector.expectedStates[graph.name(of: task)], "\(file) \(order): task \(graph.name(of: task))")
            }
            #expect(resolution.runOutcome == vector.expectedRun, "\(file) \(order): run outcome")
        }
    }
}
