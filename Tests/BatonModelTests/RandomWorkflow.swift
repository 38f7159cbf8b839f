import BatonTestSupport
import BatonModel

/// Random DAG workflows and outcomes for property tests, fully determined by a seed.
enum RandomWorkflow {
    /// A workflow of `size` tasks; task `i` depends on up to four earlier tasks with random conditions.
    static func make(size: Int, seed: Int) -> Workflow {
        var random = SeededGenerator(seed: UInt64(seed))
        var tasks: [TaskSpec] = []
        for index in 0..<size {
            var task = TaskSpec(id: "t\(index)")
            if index > 0 {
                let upstreamCount = Int.random(in: 0...min(4, index), using: &random)
                let upstreams = Array(0..<index).shuffled(using: &random).prefix(upstreamCount)
                task.after = upstreams.sorted().map { upstream in
                    Edge(upstream: "t\(upstream)", condition: EdgeCondition.allCases.randomElement(using: &random) ?? .success)
                }
            }
            task.join = Bool.random(using: &random) ? .all : .any
            if Int.random(in: 0..<10, using: &random) == 0 { task.replicas = .count(Int.random(in: 1...3, using: &random)) }
            tasks.append(task)
        }
        return Workflow(name: "random-\(seed)", tasks: tasks)
    }

    /// A random outcome per node.
    static func outcomes(count: Int, seed: Int) -> [TaskOutcome] {
        var random = SeededGenerator(seed: UInt64(seed) &* 31 &+ 7)
        return (0..<count).map { _ in Int.random(in: 0..<3, using: &random) == 0 ? .failed : .succeeded }
    }

    /// The final states computed directly from the rules, in topological order (the test oracle).
    static func referenceStates(_ graph: WorkflowGraph, outcomes: [TaskOutcome]) -> [TerminalState] {
        var states = [TerminalState?](repeating: nil, count: graph.count)
        for task in graph.topologicalOrder {
            let edges = graph.upstreams(of: task).map { edge -> Bool in
                guard let upstream = states[edge.task.rawValue] else { preconditionFailure("order broken at \(task)") }
                return edge.condition.isSatisfied(by: upstream)
            }
            let runs = edges.isEmpty || (graph.joins[task.rawValue] == .all ? edges.allSatisfy { $0 } : edges.contains(true))
            states[task.rawValue] = runs ? outcomes[task.rawValue].terminalState : .skipped
        }
        return states.map { $0 ?? .skipped }
    }

    /// The leaf rule written recursively, independent of ``LeafOutcomeRule``.
    static func referenceOutcome(_ graph: WorkflowGraph, states: [TerminalState]) -> RunOutcome {
        var memo: [Int: Bool] = [:]
        func succeeded(_ node: TaskIndex) -> Bool {
            if let known = memo[node.rawValue] { return known }
            let result: Bool
            switch states[node.rawValue] {
            case .succeeded: result = true
            case .failed: result = false
            case .skipped: result = graph.upstreams(of: node).allSatisfy { succeeded($0.task) }
            }
            memo[node.rawValue] = result
            return result
        }
        return graph.leaves.allSatisfy(succeeded) ? .succeeded : .failed
    }
}
