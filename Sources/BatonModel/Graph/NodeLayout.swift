/// Assigns dense node indices to tasks and their replicas, in file order.
struct NodeLayout {
    var names: [String] = []
    var taskOfNode: [Int] = []
    var replicaOfNode: [Int?] = []
    /// First node of each task; the task's nodes are `firstNode[p]..<firstNode[p+1]`.
    var firstNode: [Int] = [0]
    var taskPosition: [String: Int] = [:]
    var indexByName: [String: Int] = [:]

    init(_ workflow: Workflow) {
        taskPosition.reserveCapacity(workflow.tasks.count)
        indexByName.reserveCapacity(workflow.tasks.count)
        for (position, task) in workflow.tasks.enumerated() {
            precondition(taskPosition[task.id] == nil, "graph of \(workflow.name): duplicate task \(task.id)")
            taskPosition[task.id] = position
            if let replicas = task.replicas {
                for replica in 0..<replicas.count {
                    add("\(task.id)[\(replica)]", position: position, replica: replica)
                }
            } else {
                add(task.id, position: position, replica: nil)
            }
            firstNode.append(names.count)
        }
    }

    func nodes(ofTask position: Int) -> Range<Int> {
        firstNode[position]..<firstNode[position + 1]
    }

    private mutating func add(_ name: String, position: Int, replica: Int?) {
        indexByName[name] = names.count
        names.append(name)
        taskOfNode.append(position)
        replicaOfNode.append(replica)
    }
}

/// Edges in compressed rows: row `i` is `nodes[start[i]..<start[i+1]]`.
struct EdgeRows {
    var start: [Int] = [0]
    var nodes: [Int] = []
    var conditions: [EdgeCondition] = []
    let count: Int

    init(count: Int) {
        self.count = count
        start.reserveCapacity(count + 1)
    }

    /// Adds an edge to the row being built; `from` must be that row.
    mutating func add(from row: Int, to node: Int, _ condition: EdgeCondition) {
        precondition(row == start.count - 1, "edge rows must be filled in order: row \(row), expected \(start.count - 1)")
        nodes.append(node)
        conditions.append(condition)
    }

    mutating func endRow() { start.append(nodes.count) }

    /// The same edges grouped by their other end (counting sort, stable).
    func transposed() -> EdgeRows {
        var result = EdgeRows(count: count)
        var degree = [Int](repeating: 0, count: count + 1)
        for node in nodes { degree[node + 1] += 1 }
        for index in 0..<count { degree[index + 1] += degree[index] }
        result.start = degree
        var fill = degree
        result.nodes = [Int](repeating: 0, count: nodes.count)
        result.conditions = [EdgeCondition](repeating: .success, count: nodes.count)
        for row in 0..<count {
            for edge in start[row]..<start[row + 1] {
                let target = nodes[edge]
                result.nodes[fill[target]] = row
                result.conditions[fill[target]] = conditions[edge]
                fill[target] += 1
            }
        }
        return result
    }
}

/// Kahn's algorithm with longest-path depth.
struct TopologicalOrder {
    var order: [Int] = []
    var depth = 0

    init(upstreamStart: [Int], upstreamNodes: [Int], downstreamStart: [Int], downstreamNodes: [Int]) {
        let count = upstreamStart.count - 1
        var remaining = (0..<count).map { upstreamStart[$0 + 1] - upstreamStart[$0] }
        var level = [Int](repeating: 1, count: count)
        order.reserveCapacity(count)
        order.append(contentsOf: (0..<count).filter { remaining[$0] == 0 })
        var head = 0
        while head < order.count {
            let node = order[head]
            head += 1
            depth = max(depth, level[node])
            for edge in downstreamStart[node]..<downstreamStart[node + 1] {
                let next = downstreamNodes[edge]
                level[next] = max(level[next], level[node] + 1)
                remaining[next] -= 1
                if remaining[next] == 0 { order.append(next) }
            }
        }
    }
}
