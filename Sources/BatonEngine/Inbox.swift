import BatonEvents
import Synchronization

/// Where child tasks (submits, polls, timers) leave observations for the runtime loop, which
/// wakes on the first and then takes all that are there.
final class Inbox: Sendable {
    private let pending = Mutex<[Baton_V1_Event]>([])
    private let wakeStream: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    /// The most observations taken into one commit.
    static let batchMax = 4_096

    init() {
        (wakeStream, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Leaves observations and wakes the loop.
    func post(_ events: [Baton_V1_Event]) {
        if !events.isEmpty { pending.withLock { $0.append(contentsOf: events) } }
        wakeContinuation.yield()
    }

    /// Wakes the loop without an observation (a timer fired).
    func wake() { wakeContinuation.yield() }

    /// Takes up to `batchMax` observations.
    func take() -> [Baton_V1_Event] {
        pending.withLock { events in
            let taken = Array(events.prefix(Self.batchMax))
            events.removeFirst(taken.count)
            return taken
        }
    }

    /// Returns observations a failed commit took, ahead of any that arrived since (their order
    /// is the order the platforms answered in).
    func putBack(_ events: [Baton_V1_Event]) {
        guard !events.isEmpty else { return }
        pending.withLock { $0.insert(contentsOf: events, at: 0) }
    }

    /// Whether observations are waiting.
    var hasPending: Bool { pending.withLock { !$0.isEmpty } }

    /// A waiter for wake-ups; there is one loop per inbox.
    func waiter() -> AsyncStream<Void>.Iterator { wakeStream.makeAsyncIterator() }

}
