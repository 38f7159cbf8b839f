/// Finds one cycle in every strongly connected component of a directed graph (Tarjan, iterative).
///
/// Used by validation, so that a file with several independent cycles reports each of them once.
enum CycleFinder {
    /// One cycle per non-trivial strongly connected component, as node lists `[a, b, c]` meaning
    /// `a -> b -> c -> a`, each starting at the component's smallest node. Self-loops are ignored
    /// (validation reports them on their own).
    /// - Complexity: O(V + E).
    static func cycles(successors: [[Int]]) -> [[Int]] {
        components(successors: successors)
            .filter { $0.count > 1 }
            .compactMap { cycle(in: $0, successors: successors) }
            .sorted { ($0.first ?? 0) < ($1.first ?? 0) }
    }

    /// Strongly connected components (Tarjan's algorithm with an explicit stack).
    static func components(successors: [[Int]]) -> [[Int]] {
        let count = successors.count
        var index = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var result: [[Int]] = []
        var nextIndex = 0
        // Each frame is (node, position of the next successor to visit).
        var frames: [(node: Int, next: Int)] = []
        for start in 0..<count where index[start] < 0 {
            frames.append((start, 0))
            index[start] = nextIndex; lowLink[start] = nextIndex; nextIndex += 1
            stack.append(start); onStack[start] = true
            while let frame = frames.last {
                let node = frame.node
                if frame.next < successors[node].count {
                    frames[frames.count - 1].next += 1
                    let successor = successors[node][frame.next]
                    if index[successor] < 0 {
                        index[successor] = nextIndex; lowLink[successor] = nextIndex; nextIndex += 1
                        stack.append(successor); onStack[successor] = true
                        frames.append((successor, 0))
                    } else if onStack[successor] {
                        lowLink[node] = min(lowLink[node], index[successor])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last?.node { lowLink[parent] = min(lowLink[parent], lowLink[node]) }
                guard lowLink[node] == index[node] else { continue }
                var component: [Int] = []
                while let member = stack.popLast() {
                    onStack[member] = false
                    component.append(member)
                    if member == node { break }
                }
                result.append(component)
            }
        }
        return result
    }

    /// A shortest cycle through the component's smallest node, found by breadth-first search inside it.
    private static func cycle(in component: [Int], successors: [[Int]]) -> [Int]? {
        let members = Set(component)
        guard let start = component.min() else { return nil }
        var parent: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for successor in successors[node] where members.contains(successor) {
                if successor == start {
                    var path = [node]
                    while let previous = parent[path[path.count - 1]] { path.append(previous) }
                    return path.reversed()
                }
                if parent[successor] == nil, successor != start {
                    parent[successor] = node
                    queue.append(successor)
                }
            }
        }
        return nil
    }
}
