/// For every task, which of a few target tasks it reaches by following `after` edges upstream.
///
/// Tasks are grouped into strongly connected components (so a file with cycles still gets an
/// answer: a task on a cycle is its own ancestor, as is one with a self-edge). Components are
/// visited upstream first, and each one's bitset of reached targets is the union of its upstream
/// components' sets plus those upstream tasks themselves. Targets are processed in chunks of
/// ``chunkBits`` so memory stays O(tasks × chunk) however many tasks templates name.
/// - Complexity: O((tasks + edges) × targets / 64) word operations; nothing when there are no targets.
struct AncestorSets {
    /// Targets handled per pass; bounds the bitset memory at `chunkBits / 8` bytes per component.
    static let chunkBits = 1_024

    /// For each target position, its index in ``targets``; `-1` for other tasks.
    private var targetIndex: [Int]
    /// For each task, its component.
    private var componentOf: [Int]
    /// Per component, the targets its tasks reach, as ``wordsPerComponent`` words per chunk, chunk after chunk.
    private var reached: [[UInt64]]
    private let wordsPerComponent: Int

    init(tasks: [DecodedTask], positions: [String: Int], targets: [Int]) {
        targetIndex = []
        componentOf = []
        reached = []
        wordsPerComponent = min((targets.count + 63) / 64, Self.chunkBits / 64)
        guard !targets.isEmpty else { return }
        targetIndex = [Int](repeating: -1, count: tasks.count)
        for (index, target) in targets.enumerated() { targetIndex[target] = index }
        // Upstream adjacency by position, self-edges and repeats included (they do not change reachability).
        let upstreams = tasks.map { task in task.spec.after.compactMap { positions[$0.upstream] } }
        // Tarjan emits a component after every component it reaches, i.e. upstream ones first.
        let components = CycleFinder.components(successors: upstreams)
        componentOf = [Int](repeating: 0, count: tasks.count)
        for (component, members) in components.enumerated() {
            for member in members { componentOf[member] = component }
        }
        var chunkStart = 0
        while chunkStart < targets.count {
            reached.append(chunk(from: chunkStart, components: components, upstreams: upstreams))
            chunkStart += Self.chunkBits
        }
    }

    /// Bitsets of one chunk of targets (`chunkStart..<chunkStart + chunkBits`) for every component.
    private func chunk(from chunkStart: Int, components: [[Int]], upstreams: [[Int]]) -> [UInt64] {
        let words = wordsPerComponent
        var bits = [UInt64](repeating: 0, count: components.count * words)
        for (component, members) in components.enumerated() {
            let base = component * words
            var isCyclic = false
            for member in members {
                for upstream in upstreams[member] {
                    let upstreamComponent = componentOf[upstream]
                    if upstreamComponent == component {
                        isCyclic = true
                        continue
                    }
                    precondition(upstreamComponent < component, "ancestor sets: component \(upstreamComponent) visited after \(component)")
                    let upstreamBase = upstreamComponent * words
                    for word in 0..<words { bits[base + word] |= bits[upstreamBase + word] }
                    Self.set(targetIndex[upstream], from: chunkStart, in: &bits, base: base)
                }
            }
            if isCyclic {
                for member in members { Self.set(targetIndex[member], from: chunkStart, in: &bits, base: base) }
            }
        }
        return bits
    }

    private static func set(_ index: Int, from chunkStart: Int, in bits: inout [UInt64], base: Int) {
        let offset = index - chunkStart
        guard index >= 0, offset >= 0, offset < chunkBits else { return }
        bits[base + offset / 64] |= 1 << UInt64(offset % 64)
    }

    /// Whether `target` (a target given at init) is reached upstream from the task at `position`.
    func contains(_ target: Int, amongAncestorsOf position: Int) -> Bool {
        let index = targetIndex[target]
        precondition(index >= 0, "ancestor sets: position \(target) was not a target")
        let offset = index % Self.chunkBits
        let word = reached[index / Self.chunkBits][componentOf[position] * wordsPerComponent + offset / 64]
        return word & (1 << UInt64(offset % 64)) != 0
    }
}
