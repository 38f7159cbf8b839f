/// A first-in first-out queue with O(1) amortised push and pop, and removal by marking.
struct Fifo<Element: Hashable & Sendable>: Sendable, Equatable {
    private var items: [Element] = []
    private var head = 0
    private var members: Set<Element> = []

    /// The number of queued elements.
    var count: Int { members.count }
    var isEmpty: Bool { members.isEmpty }

    /// Appends `element` unless it is already queued.
    mutating func push(_ element: Element) {
        guard members.insert(element).inserted else { return }
        items.append(element)
    }

    /// Removes `element` wherever it is (it is skipped lazily when reached).
    mutating func remove(_ element: Element) {
        members.remove(element)
    }

    /// Whether `element` is queued.
    func contains(_ element: Element) -> Bool { members.contains(element) }

    /// The queued elements in order, at most `limit` of them.
    func prefix(_ limit: Int) -> [Element] {
        var result: [Element] = []
        var index = head
        while index < items.count && result.count < limit {
            if members.contains(items[index]) { result.append(items[index]) }
            index += 1
        }
        return result
    }

    /// Drops removed elements from the front and compacts storage when more than half is dead.
    mutating func compact() {
        while head < items.count && !members.contains(items[head]) { head += 1 }
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
