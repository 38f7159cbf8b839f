/// The limiter state of one platform connection, rebuilt from claim and dispatch events.
public struct ConnectionState: Sendable, Equatable {
    /// Claimed + running attempts (the leaky bucket of `max_in_flight`).
    public internal(set) var inFlight = 0
    /// Claims not yet dispatched: they may dispatch at any moment, so they count in the window.
    public internal(set) var pendingClaims = 0
    /// Dispatch times (µs) that can still fall inside a rate window, oldest first.
    public internal(set) var recentDispatches: [Int64] = []
    /// Nothing is dispatched before this time (µs) after a throttled answer.
    public internal(set) var throttledUntilMicros: Int64 = 0
    /// Queued attempts waiting for this connection, in queue order.
    var queue = Fifo<TaskRef>()

    /// The number of queued attempts.
    public var queueDepth: Int { queue.count }

    /// Dispatches inside the window `(now - window, now]` plus claims that may still dispatch.
    public func windowUsage(now: Int64, windowMicros: Int64) -> Int {
        let cutoff = now - windowMicros
        var recent = 0
        for time in recentDispatches.reversed() {
            if time <= cutoff { break }
            recent += 1
        }
        return recent + pendingClaims
    }

    /// Forgets dispatch times that no window ending at or after `now` can contain.
    mutating func prune(now: Int64, windowMicros: Int64) {
        let cutoff = now - windowMicros
        if let keep = recentDispatches.firstIndex(where: { $0 > cutoff }) {
            if keep > 0 { recentDispatches.removeFirst(keep) }
        } else {
            recentDispatches.removeAll(keepingCapacity: true)
        }
    }
}
