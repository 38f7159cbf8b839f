/// The limiter state of one platform connection, rebuilt from claim and dispatch events.
public struct ConnectionState: Sendable, Equatable {
    /// Slots of claimed + running attempts (the leaky bucket of `max_in_flight`): an attempt
    /// occupies its task's `slots`, 1 unless it says otherwise.
    public internal(set) var inFlight = 0
    /// Claims not yet dispatched: they may dispatch at any moment, so they count in the window.
    public internal(set) var pendingClaims = 0
    /// Dispatch times (µs) that can still fall inside a rate window, oldest first.
    public internal(set) var recentDispatches: [Int64] = []
    /// Nothing is dispatched before this time (µs) after a throttled answer.
    public internal(set) var throttledUntilMicros: Int64 = 0
    /// Queued attempts waiting for this connection, in claim order.
    var queue = ClaimQueue()
    /// Attempts held because the queue was full (`queue.on_full: wait`), in admission order.
    var held = ClaimQueue()

    /// The number of queued attempts.
    public var queueDepth: Int { queue.count }
    /// The number of attempts held for room in the queue.
    public var heldDepth: Int { held.count }
    /// What `queue.max` bounds: attempts queued, and claimed but not yet accepted by the platform.
    public var waiting: Int { queue.count + pendingClaims }

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
