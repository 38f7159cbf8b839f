/// The attempts waiting for one connection, in claim order: higher priority first, a waiting
/// attempt gaining one point of priority per `aging` waited, first come first served among equals.
///
/// Aging makes the order depend on the time, but not the comparison of two attempts: attempt
/// *a* (priority p, queued at q) goes before *b* when `p_a + (now − q_a)/A > p_b + (now − q_b)/A`,
/// that is when `q_a − p_a·A < q_b − p_b·A`; `now` cancels. So each attempt has a fixed key, its
/// queue time moved earlier by `A` per priority point, and the attempts of one priority are
/// already in key order (they arrive in time order). The queue keeps one FIFO per priority and
/// merges their heads: taking the next attempt costs O(distinct priorities), never O(queue).
struct ClaimQueue: Sendable {
    /// What ordering needs to know of one waiting attempt.
    struct Entry: Sendable, Equatable {
        var priority: Int
        /// When it began to wait (µs).
        var queuedAtMicros: Int64
        /// Arrival order: breaks ties, and is the order snapshots store.
        var arrival: UInt64
    }

    private var buckets: [Int: Fifo<TaskRef>] = [:]
    private var entries: [TaskRef: Entry] = [:]
    private var nextArrival: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    func entry(of ref: TaskRef) -> Entry? { entries[ref] }

    /// The highest priority waiting (nil when empty). O(distinct priorities).
    var highestPriority: Int? { buckets.keys.max() }

    /// Adds `ref` unless it is already waiting.
    mutating func push(_ ref: TaskRef, priority: Int, queuedAtMicros: Int64) {
        guard entries[ref] == nil else { return }
        entries[ref] = Entry(priority: priority, queuedAtMicros: queuedAtMicros, arrival: nextArrival)
        nextArrival += 1
        buckets[priority, default: Fifo()].push(ref)
    }

    /// Removes `ref` wherever it is; nothing when it is not waiting.
    mutating func remove(_ ref: TaskRef) {
        guard let entry = entries.removeValue(forKey: ref), var bucket = buckets.removeValue(forKey: entry.priority) else { return }
        bucket.remove(ref)
        bucket.compact()
        if !bucket.isEmpty { buckets[entry.priority] = bucket }
    }

    /// The waiting attempts in claim order, lazily: `agingMicros` is the time that raises a
    /// priority by one (nil: strict priority, first come first served within one).
    func inClaimOrder(agingMicros: Int64?) -> Merge {
        if let aging = agingMicros, aging > 0 {
            return Merge(self) { entry in (entry.queuedAtMicros &- Int64(entry.priority) &* aging, entry.arrival) }
        }
        return Merge(self) { entry in (-Int64(entry.priority), entry.arrival) }
    }

    /// The waiting attempts longest waiting first (for queue timeouts and `drop_oldest`).
    func inWaitingOrder() -> Merge {
        Merge(self) { entry in (entry.queuedAtMicros, entry.arrival) }
    }

    /// Every waiting attempt in arrival order: what a snapshot stores, so that pushing them back
    /// in this order restores the same queue. O(n log n).
    func inArrivalOrder() -> [TaskRef] {
        entries.sorted { $0.value.arrival < $1.value.arrival }.map(\.key)
    }

    /// A k-way merge of the per-priority FIFOs by a key that is monotone within each of them.
    struct Merge: Sequence, IteratorProtocol {
        private var heads: [(key: (Int64, UInt64), ref: TaskRef, rest: Fifo<TaskRef>.Iterator)] = []
        private let key: (Entry) -> (Int64, UInt64)
        private let entries: [TaskRef: Entry]

        fileprivate init(_ queue: ClaimQueue, key: @escaping (Entry) -> (Int64, UInt64)) {
            self.key = key
            self.entries = queue.entries
            for bucket in queue.buckets.values {
                var rest = bucket.makeIterator()
                if let first = rest.next(), let entry = queue.entries[first] { heads.append((key(entry), first, rest)) }
            }
        }

        mutating func next() -> TaskRef? {
            guard var best = heads.indices.first else { return nil }
            for index in heads.indices.dropFirst() where heads[index].key < heads[best].key { best = index }
            let ref = heads[best].ref
            if let following = heads[best].rest.next(), let entry = entries[following] {
                heads[best].ref = following
                heads[best].key = key(entry)
            } else {
                heads.remove(at: best)
            }
            return ref
        }
    }
}

extension ClaimQueue: Equatable {
    /// Equal when the same attempts wait with the same priorities and times in the same arrival
    /// order, however the storage got there (a snapshot restores the order, not the counters).
    static func == (lhs: ClaimQueue, rhs: ClaimQueue) -> Bool {
        guard lhs.count == rhs.count else { return false }
        let left = lhs.inArrivalOrder(), right = rhs.inArrivalOrder()
        return left == right && left.allSatisfy { ref in
            guard let a = lhs.entries[ref], let b = rhs.entries[ref] else { return false }
            return a.priority == b.priority && a.queuedAtMicros == b.queuedAtMicros
        }
    }
}
