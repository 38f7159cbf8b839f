@testable import BatonState
import Testing

@Suite struct FifoTests {
    @Test func keepsOrderAndSeesARequeuedElementOnceAtItsNewPlace() {
        var queue = Fifo<Int>()
        for value in [1, 2, 3] { queue.push(value) }
        queue.remove(1)
        queue.push(1)
        #expect(queue.prefix(10) == [2, 3, 1])
        queue.push(2)
        #expect(queue.prefix(10) == [2, 3, 1])
        queue.remove(3)
        queue.compact()
        #expect(queue.prefix(2) == [2, 1])
        #expect(queue.count == 2)
    }

    @Test func compactionKeepsContents() {
        var queue = Fifo<Int>()
        for value in 0..<5_000 { queue.push(value) }
        for value in 0..<4_000 { queue.remove(value) }
        queue.compact()
        queue.push(7)
        #expect(queue.prefix(3) == [4_000, 4_001, 4_002])
        #expect(queue.prefix(Int.max).last == 7)
        #expect(queue.count == 1_001)
    }

    @Test func equalityIsByContentsInOrder() {
        var a = Fifo<Int>()
        var b = Fifo<Int>()
        for value in [9, 1, 2] { a.push(value) }
        a.remove(9)
        for value in [1, 2] { b.push(value) }
        #expect(a == b)
        b.remove(1)
        b.push(1)
        #expect(a != b)
    }
}
