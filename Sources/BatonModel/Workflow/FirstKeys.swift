/// Finds repeated keys of one mapping while it is decoded: for each key, where it was first written.
///
/// Small mappings (a task's own fields) compare keys pairwise without hashing or allocating; large
/// ones (`tasks:` with thousands of names) use one hash table lookup per key.
struct FirstKeys {
    /// Largest mapping searched pairwise.
    static let pairwiseMax = 8

    /// Position of each key's first occurrence; only for mappings longer than ``pairwiseMax``.
    private var table: [String: Int]
    private let isPairwise: Bool

    init(pairCount: Int) {
        isPairwise = pairCount <= Self.pairwiseMax
        table = [:]
        if !isPairwise { table.reserveCapacity(pairCount) }
    }

    /// Position of the first key of `pairs` equal to `key`, the key at `index`; `index` itself the first time.
    /// Positions, not marks, tell occurrences apart: an alias repeats its anchor's mark.
    /// - Complexity: O(1) expected for large mappings; O(``pairwiseMax``) for small ones.
    mutating func claim(_ key: String, at index: Int, among pairs: [(key: YAMLNode, value: YAMLNode)]) -> Int {
        guard isPairwise else { return Self.claim(&table[key, default: -1], index) }
        for earlier in 0..<index {
            if case .scalar(let scalar) = pairs[earlier].key, scalar.string == key { return earlier }
        }
        return index
    }

    private static func claim(_ slot: inout Int, _ index: Int) -> Int {
        if slot < 0 { slot = index }
        return slot
    }
}
