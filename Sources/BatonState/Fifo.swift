/// A first-in first-out queue with O(1) amortised push and remove, and removal by marking.
///
/// Each element remembers the slot of its latest push, so an element removed and pushed again
/// (a throttled claim re-queued) is seen once, at its new place.
struct Fifo<Element: Hashable & Sendable>: Sendable {
    private var items: [Element] = []
    private var head = 0
    /// The slot in `items` of each queued element.
    private var slots: [Element: Int] = [:]

    /// The number of queued elements.
    var count: Int { slots.count }
    var isEmpty: Bool { slots.isEmpty }

    /// Appends `element` unless it is already queued.
    mutating func push(_ element: Element) {
        guard slots[element] == nil else { return }
        slots[element] = items.count
        items.append(element)
    }

    /// Removes `element` wherever it is (its slot is skipped lazily when reached).
    mutating func remove(_ element: Element) {
        slots[element] = nil
    }

    /// The queued elements in order, at most `limit` of them.
    /// - Complexity: O(slots scanned), dead slots included until `compact` drops them.
    func prefix(_ limit: Int) -> [Element] {
        var result: [Element] = []
        var index = head
        while index < items.count && result.count < limit {
            if slots[items[index]] == index { result.append(items[index]) }
            index += 1
        }
        return result
    }

    /// Drops dead slots from the front and compacts storage when more than half is dead.
    mutating func compact() {
        while head < items.count && slots[items[head]] != head { head += 1 }
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            for (element, slot) in slots { slots[element] = slot - head }
            head = 0
        }
    }
}

extension Fifo: Sequence {
    /// Walks the live elements in order.
    struct Iterator: IteratorProtocol {
        fileprivate let items: [Element]
        fileprivate let slots: [Element: Int]
        fileprivate var index: Int

        mutating func next() -> Element? {
            while index < items.count {
                let slot = index
                index += 1
                if slots[items[slot]] == slot { return items[slot] }
            }
            return nil
        }
    }

    func makeIterator() -> Iterator { Iterator(items: items, slots: slots, index: head) }
}

extension Fifo: Equatable {
    /// Two queues are equal when they hold the same elements in the same order, however their
    /// storage got there (a snapshot restores the order, not the dead slots).
    static func == (lhs: Fifo, rhs: Fifo) -> Bool {
        lhs.count == rhs.count && lhs.prefix(Int.max) == rhs.prefix(Int.max)
    }
}
