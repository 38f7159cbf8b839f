/// The DAG of a validated workflow with replicas expanded, in dense arrays for O(1)-per-edge resolution.
///
/// Node `i` is ``TaskIndex`` `i`. Upstream and downstream edges are stored in compressed rows
/// (`start[i]..<start[i+1]`), so walking a node's edges touches only those edges. A task with
/// `replicas: N` becomes nodes `t[0]`…`t[N-1]`: each edge into `t` goes to every replica, and an
/// edge `u after t` becomes one edge from each replica with the same condition.
public struct WorkflowGraph: Sendable, Equatable {
    /// Node names: the task id, or `id[r]` for replica `r`.
    public let names: [String]
    /// For each node, the position of its task in ``Workflow/tasks``.
    public let taskPositions: [Int]
    /// For each node, its replica number, or `nil` for a task without replicas.
    public let replicaNumbers: [Int?]
    /// For each node, how its incoming edges combine.
    public let joins: [Join]
    /// Nodes in an order where every edge goes forward (Kahn's algorithm, ties by index).
    public let topologicalOrder: [TaskIndex]
    /// Nodes without incoming edges; ready when a run starts.
    public let roots: [TaskIndex]
    /// Nodes without outgoing edges; the outcome rule starts from them.
    public let leaves: [TaskIndex]
    /// Number of nodes on the longest path (1 for a graph without edges, 0 when empty).
    public let depth: Int

    let upstreamStart: [Int]
    let upstreamNodes: [Int]
    let upstreamConditions: [EdgeCondition]
    let downstreamStart: [Int]
    let downstreamNodes: [Int]
    let downstreamConditions: [EdgeCondition]
    private let indexByName: [String: Int]

    /// The most edges a workflow may have once replicas are expanded (validation refuses more):
    /// two replicated tasks joined by one edge cost the product of their replica counts.
    public static let expandedEdgesMax = 1_000_000

    /// Number of nodes.
    public var count: Int { names.count }
    /// Number of (expanded) edges.
    public var edgeCount: Int { upstreamNodes.count }
    /// Every node index, in order.
    public var indices: [TaskIndex] { (0..<count).map(TaskIndex.init) }

    /// Builds the graph of a validated workflow.
    ///
    /// A workflow from ``WorkflowLoader`` always qualifies; a hand-made one with an unknown upstream
    /// or a cycle is a programming error and traps, naming the task.
    /// - Complexity: O(nodes + expanded edges).
    public init(_ workflow: Workflow) {
        let layout = NodeLayout(workflow)
        var upstream = EdgeRows(count: layout.names.count)
        for (position, task) in workflow.tasks.enumerated() {
            for node in layout.nodes(ofTask: position) {
                for edge in task.after {
                    guard let upstreamTask = layout.taskPosition[edge.upstream] else {
                        preconditionFailure("graph of \(workflow.name): task \(task.id) names unknown upstream \(edge.upstream)")
                    }
                    for upstreamNode in layout.nodes(ofTask: upstreamTask) {
                        upstream.add(from: node, to: upstreamNode, edge.condition)
                    }
                }
                upstream.endRow()
            }
        }
        let downstream = upstream.transposed()
        let order = TopologicalOrder(upstreamStart: upstream.start, upstreamNodes: upstream.nodes,
                                     downstreamStart: downstream.start, downstreamNodes: downstream.nodes)
        guard order.order.count == layout.names.count else {
            let stuck = Set(0..<layout.names.count).subtracting(order.order).min() ?? 0
            preconditionFailure("graph of \(workflow.name): cycle through task \(layout.names[stuck]); validate before building")
        }
        names = layout.names
        taskPositions = layout.taskOfNode
        replicaNumbers = layout.replicaOfNode
        joins = layout.taskOfNode.map { workflow.tasks[$0].join }
        upstreamStart = upstream.start
        upstreamNodes = upstream.nodes
        upstreamConditions = upstream.conditions
        downstreamStart = downstream.start
        downstreamNodes = downstream.nodes
        downstreamConditions = downstream.conditions
        indexByName = layout.indexByName
        topologicalOrder = order.order.map(TaskIndex.init)
        depth = order.depth
        roots = (0..<names.count).filter { upstream.start[$0] == upstream.start[$0 + 1] }.map(TaskIndex.init)
        leaves = (0..<names.count).filter { downstream.start[$0] == downstream.start[$0 + 1] }.map(TaskIndex.init)
    }

    /// The node called `name` (`t` or `t[2]`).
    public func index(named name: String) -> TaskIndex? {
        indexByName[name].map(TaskIndex.init)
    }

    /// The node's name.
    public func name(of task: TaskIndex) -> String { names[task.rawValue] }

    /// Incoming edges of `task` as (upstream node, condition).
    /// - Complexity: O(in-degree).
    public func upstreams(of task: TaskIndex) -> [(task: TaskIndex, condition: EdgeCondition)] {
        (upstreamStart[task.rawValue]..<upstreamStart[task.rawValue + 1]).map {
            (TaskIndex(upstreamNodes[$0]), upstreamConditions[$0])
        }
    }

    /// Outgoing edges of `task` as (downstream node, condition).
    /// - Complexity: O(out-degree).
    public func downstreams(of task: TaskIndex) -> [(task: TaskIndex, condition: EdgeCondition)] {
        (downstreamStart[task.rawValue]..<downstreamStart[task.rawValue + 1]).map {
            (TaskIndex(downstreamNodes[$0]), downstreamConditions[$0])
        }
    }

    /// Number of incoming edges of node `node`.
    func inDegree(_ node: Int) -> Int { upstreamStart[node + 1] - upstreamStart[node] }

    /// One line for `baton validate`: `12 tasks, 14 edges, 2 roots, 3 leaves, depth 5`.
    public var summary: String {
        "\(count) tasks, \(edgeCount) edges, \(roots.count) roots, \(leaves.count) leaves, depth \(depth)"
    }
}
