import Synchronization

/// Lets in-process readers wait until the log's head passes a sequence number.
final class HeadWatch: Sendable {
    private struct Waiter {
        let above: UInt64
        let continuation: CheckedContinuation<UInt64, Never>
    }

    private struct State {
        var head: UInt64
        var waiters: [Waiter] = []
        var isClosed = false
    }

    private let state: Mutex<State>

    init(head: UInt64) { state = Mutex(State(head: head)) }

    /// Records a new head and wakes everybody waiting below it.
    func publish(_ head: UInt64) {
        let ready = state.withLock { state -> [Waiter] in
            state.head = max(state.head, head)
            let current = state.head
            let ready = state.waiters.filter { $0.above < current }
            state.waiters.removeAll { $0.above < current }
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: head) }
    }

    /// Wakes every waiter with the last head; later waits return at once.
    func close() {
        let (all, head) = state.withLock { state -> ([Waiter], UInt64) in
            state.isClosed = true
            defer { state.waiters = [] }
            return (state.waiters, state.head)
        }
        for waiter in all { waiter.continuation.resume(returning: head) }
    }

    /// Returns the head as soon as it is above `seq` (or the log closes).
    func wait(above seq: UInt64) async -> UInt64 {
        await withCheckedContinuation { continuation in
            let immediate = state.withLock { state -> UInt64? in
                if state.head > seq || state.isClosed { return state.head }
                state.waiters.append(Waiter(above: seq, continuation: continuation))
                return nil
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }
}
