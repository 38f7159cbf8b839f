/// The run outcome rule of Azure Data Factory, written down in `Specs/semantics.md`.
///
/// Evaluate every leaf; a skipped task is replaced by all of its upstream tasks, recursively, until
/// only tasks that ran remain. The run succeeded if and only if every evaluated task succeeded.
public enum LeafOutcomeRule {
    /// The outcome for final `states` (one per node, all terminal).
    /// - Complexity: O(nodes + edges) in the worst case; each node is evaluated at most once.
    public static func outcome(of graph: WorkflowGraph, states: [TaskResolutionState]) -> RunOutcome {
        evaluatedTasks(of: graph, states: states).contains { states[$0.rawValue] == .failed } ? .failed : .succeeded
    }

    /// The tasks that decide the outcome: the leaves, with each skipped one replaced by its upstreams.
    public static func evaluatedTasks(of graph: WorkflowGraph, states: [TaskResolutionState]) -> [TaskIndex] {
        precondition(states.count == graph.count, "outcome of \(graph.count) tasks given \(states.count) states")
        var visited = [Bool](repeating: false, count: graph.count)
        var stack = graph.leaves.map(\.rawValue).reversed() as [Int]
        var result: [TaskIndex] = []
        var steps = 0
        while let node = stack.popLast() {
            steps += 1
            precondition(steps <= graph.count + graph.edgeCount + 1, "outcome walk exceeded nodes + edges")
            guard !visited[node] else { continue }
            visited[node] = true
            switch states[node] {
            case .succeeded, .failed:
                result.append(TaskIndex(node))
            case .skipped:
                for edge in (graph.upstreamStart[node]..<graph.upstreamStart[node + 1]).reversed() {
                    stack.append(graph.upstreamNodes[edge])
                }
            case .pending, .ready:
                preconditionFailure("run outcome asked while task \(graph.names[node]) is \(states[node])")
            }
        }
        return result
    }
}
