import BatonModel
import PropertyBased
import BatonTestSupport
import Testing

/// Properties of resolution over random DAGs and outcomes.
@Suite struct RunResolutionPropertyTests {
    @Test func everyTaskEndsInExactlyOneTerminalState() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...40), Gen.int(in: 0...1_000_000)) { size, seed in
            let graph = WorkflowGraph(RandomWorkflow.make(size: size, seed: seed))
            let outcomes = RandomWorkflow.outcomes(count: graph.count, seed: seed)
            var resolution = RunResolution(graph: graph)
            var decided = [Int](repeating: 0, count: graph.count)
            var ready = resolution.start().ready
            ready.forEach { decided[$0.rawValue] += 1 }
            while let task = ready.popLast() {
                let step = resolution.record(task, outcomes[task.rawValue])
                step.ready.forEach { decided[$0.rawValue] += 1 }
                step.skipped.forEach { decided[$0.task.rawValue] += 1 }
                ready.append(contentsOf: step.ready)
                resolution.checkInvariants()
            }
            #expect(decided.allSatisfy { $0 == 1 }, "seed \(seed): a task was decided twice or never")
            #expect(graph.indices.allSatisfy { resolution.state(of: $0).terminalState != nil })
            #expect(resolution.runOutcome != nil)
        }
    }

    @Test func noTaskIsReadyBeforeItsEdgesAllowIt() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...40), Gen.int(in: 0...1_000_000)) { size, seed in
            let graph = WorkflowGraph(RandomWorkflow.make(size: size, seed: seed))
            let outcomes = RandomWorkflow.outcomes(count: graph.count, seed: seed)
            var resolution = RunResolution(graph: graph)
            var ready = resolution.start().ready
            #expect(ready == graph.roots)
            var random = SeededGenerator(seed: UInt64(seed))
            while !ready.isEmpty {
                let task = ready.remove(at: Int.random(in: 0..<ready.count, using: &random))
                let step = resolution.record(task, outcomes[task.rawValue])
                for next in step.ready {
                    let edges = graph.upstreams(of: next).map { ($0.condition, resolution.state(of: $0.task).terminalState) }
                    let satisfied = edges.filter { condition, state in state.map(condition.isSatisfied(by:)) ?? false }.count
                    if graph.joins[next.rawValue] == .all {
                        #expect(satisfied == edges.count, "seed \(seed): \(graph.name(of: next)) ready with open edges")
                    } else {
                        #expect(satisfied >= 1, "seed \(seed): \(graph.name(of: next)) ready without a satisfied edge")
                    }
                }
                ready.append(contentsOf: step.ready)
            }
        }
    }

    @Test func finalStatesDoNotDependOnArrivalOrder() async {
        await propertyCheck(count: 200, input: Gen.int(in: 1...40), Gen.int(in: 0...1_000_000)) { size, seed in
            let graph = WorkflowGraph(RandomWorkflow.make(size: size, seed: seed))
            let outcomes = RandomWorkflow.outcomes(count: graph.count, seed: seed)
            let expected = RandomWorkflow.referenceStates(graph, outcomes: outcomes)
            let expectedRun = RandomWorkflow.referenceOutcome(graph, states: expected)
            let orders: [RunDriver.Order] = [.firstReady, .lastReady, .seeded(UInt64(seed)), .seeded(UInt64(seed) + 1)]
            for order in orders {
                let resolution = RunDriver.run(graph, outcomes: { outcomes[$0.rawValue] }, order: order, checkEachStep: false)
                let states = graph.indices.map { resolution.state(of: $0).terminalState }
                #expect(states == expected, "seed \(seed) order \(order)")
                #expect(resolution.runOutcome == expectedRun, "seed \(seed) order \(order)")
            }
        }
    }
}
