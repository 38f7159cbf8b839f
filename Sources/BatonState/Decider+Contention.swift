import BatonEvents
import BatonModel

/// The contention profile's decisions: which ready task enters its connection's queue, which is
/// held, rejected or dropped, which has waited too long. Each is an event with its numbers.
extension Decider {
    /// What one decision call has already decided about each connection's waiting tasks, so
    /// several tasks becoming ready at once are counted against one queue bound.
    struct QueueRoom {
        /// Per connection: tasks waiting (queued, or claimed and not accepted), and tasks held.
        struct Tally {
            var waiting: Int
            var held: Int
        }

        private(set) var tallies: [String: Tally] = [:]
        /// Tasks failed in this call (timed out, dropped): no later step may claim or drop them.
        var gone: Set<TaskRef> = []
        /// Per connection, the next candidates for `drop_oldest`: the queue as it was, longest waiting first.
        var victims: [String: ClaimQueue.Merge] = [:]
        /// Per connection, tasks queued in this call, oldest first, for `drop_oldest` once the queue as it was is used up.
        var queuedNow: [String: [(ref: TaskRef, attempt: UInt32)]] = [:]
        var queuedNowDropped: [String: Int] = [:]

        mutating func tally(_ name: String, _ state: EngineState) -> Tally {
            if let tally = tallies[name] { return tally }
            let connection = state.connections[name]
            let tally = Tally(waiting: connection?.waiting ?? 0, held: connection?.heldDepth ?? 0)
            tallies[name] = tally
            return tally
        }

        mutating func update(_ name: String, _ state: EngineState, _ change: (inout Tally) -> Void) {
            var tally = self.tally(name, state)
            change(&tally)
            tallies[name] = tally
        }
    }

    /// The definition that governs a connection as a whole (its queue bound, timeout and aging):
    /// the registry's, or for a connection a workflow defines itself, the one of the run whose
    /// task has waited longest. O(distinct priorities).
    static func governingSpec(_ state: EngineState, _ name: String, _ connection: ConnectionState) -> ConnectionSpec? {
        if let spec = state.registry?.registry.connections[name] { return spec }
        var order = connection.queue.inWaitingOrder()
        var held = connection.held.inWaitingOrder()
        guard let first = order.next() ?? held.next(), let run = state.runs[first.run] else { return nil }
        return state.connectionSpec(name, of: run)
    }

    /// A task whose edges (or retry timer) let it run: queued, or — when its connection's queue
    /// is full — held, rejected, or queued in place of the task that has waited longest.
    static func admit(_ state: EngineState, _ run: RunState, _ index: Int, attempt: UInt32, now: Int64,
                      _ room: inout QueueRoom, into events: inout [Baton_V1_Event]) {
        let name = run.connection(of: index)
        let task = run.graph.names[index]
        guard let spec = state.connectionSpec(name, of: run), let max = spec.queue.max else {
            events.append(EventFactory.taskQueued(run.id, task, attempt: attempt))
            return
        }
        let tally = room.tally(name, state)
        func queue() {
            events.append(EventFactory.taskQueued(run.id, task, attempt: attempt))
            room.queuedNow[name, default: []].append((TaskRef(run: run.id, index: index), attempt))
        }
        // Held tasks go first: a newcomer does not overtake them while they wait for room.
        if tally.waiting < max && tally.held == 0 {
            queue()
            room.update(name, state) { $0.waiting += 1 }
            return
        }
        var numbers = Numbers(connection: name, depth: tally.waiting, max: max, priority: run.spec(of: index).priority)
        switch spec.queue.onFull {
        case .wait:
            events.append(EventFactory.contention(run.id, task, attempt: attempt, .held, numbers))
            room.update(name, state) { $0.held += 1 }
        case .reject:
            reject(run.id, task, attempt: attempt, numbers, into: &events)
        case .dropOldest:
            guard let victim = oldestQueued(state, name, now: now, &room) else {
                reject(run.id, task, attempt: attempt, numbers, into: &events)
                return
            }
            numbers.waitedMs = UInt64(Swift.max(0, now - victim.queuedAt) / 1_000)
            numbers.priority = victim.priority
            events.append(EventFactory.contention(victim.run, victim.task, attempt: victim.attempt, .dropped, numbers))
            events.append(EventFactory.taskFailed(victim.run, victim.task, attempt: victim.attempt, errorClass: .dropped,
                                                  message: "dropped after waiting \(DurationText.format(.microseconds(Swift.max(0, now - victim.queuedAt)))): "
                                                  + "the queue of connection \(name) was full (\(numbers.depth) of \(max) waiting) and a newer task arrived (on_full: drop_oldest)",
                                                  retryable: true))
            queue()
        }
    }

    private static func reject(_ run: String, _ task: String, attempt: UInt32, _ numbers: Numbers, into events: inout [Baton_V1_Event]) {
        events.append(EventFactory.contention(run, task, attempt: attempt, .rejected, numbers))
        events.append(EventFactory.taskFailed(run, task, attempt: attempt, errorClass: .rejected,
                                              message: "rejected: the queue of connection \(numbers.connection) is full "
                                              + "(\(numbers.depth) of \(numbers.max) waiting; on_full: reject)", retryable: true))
    }

    private struct Victim {
        var run: String
        var task: String
        var attempt: UInt32
        var queuedAt: Int64
        var priority: Int
    }

    /// The queued task that has waited longest and is not already decided in this call.
    private static func oldestQueued(_ state: EngineState, _ name: String, now: Int64, _ room: inout QueueRoom) -> Victim? {
        guard let connection = state.connections[name] else { return nextQueuedNow(state, name, now: now, &room) }
        var order = room.victims[name] ?? connection.queue.inWaitingOrder()
        defer { room.victims[name] = order }
        while let ref = order.next() {
            guard !room.gone.contains(ref), let run = state.runs[ref.run], run.cancelReason == nil,
                  let entry = connection.queue.entry(of: ref) else { continue }
            room.gone.insert(ref)
            return Victim(run: run.id, task: run.graph.names[ref.index], attempt: run.tasks[ref.index].attempt,
                          queuedAt: entry.queuedAtMicros, priority: entry.priority)
        }
        return nextQueuedNow(state, name, now: now, &room)
    }

    /// Once the queue as it was is used up, the oldest of the tasks queued in this same call.
    private static func nextQueuedNow(_ state: EngineState, _ name: String, now: Int64, _ room: inout QueueRoom) -> Victim? {
        let next = room.queuedNowDropped[name] ?? 0
        guard let queued = room.queuedNow[name], next < queued.count, let run = state.runs[queued[next].ref.run] else { return nil }
        room.queuedNowDropped[name] = next + 1
        let index = queued[next].ref.index
        return Victim(run: run.id, task: run.graph.names[index], attempt: queued[next].attempt, queuedAt: now, priority: run.spec(of: index).priority)
    }

    /// Held tasks enter the queue, in claim order, as far as it has room.
    /// - Complexity: O((admitted + skipped) × distinct priorities) per connection with held tasks.
    static func admitHeld(_ state: EngineState, _ room: inout QueueRoom, into events: inout [Baton_V1_Event]) {
        for name in state.connections.keys.sorted() {
            guard let connection = state.connections[name], !connection.held.isEmpty else { continue }
            let spec = governingSpec(state, name, connection)
            let tally = room.tally(name, state)
            var free = spec?.queue.max.map { $0 - tally.waiting } ?? Int.max
            var order = connection.held.inClaimOrder(agingMicros: spec?.queue.aging.map(EngineState.micros))
            var admitted = 0
            while free > 0, let ref = order.next() {
                // A run being cancelled cancels its held tasks in this same decision.
                guard !room.gone.contains(ref), let run = state.runs[ref.run], run.cancelReason == nil else { continue }
                events.append(EventFactory.taskQueued(run.id, run.graph.names[ref.index], attempt: run.tasks[ref.index].attempt))
                free -= 1
                admitted += 1
            }
            room.update(name, state) { $0.waiting += admitted; $0.held -= admitted }
        }
    }

    /// Tasks queued or held longer than their connection's `queue.timeout` fail with class `queue_timeout`.
    /// - Complexity: O((expired + 1) × distinct priorities) per connection with waiting tasks.
    static func queueTimeouts(_ state: EngineState, now: Int64, _ room: inout QueueRoom, into events: inout [Baton_V1_Event]) {
        for name in state.connections.keys.sorted() {
            guard let connection = state.connections[name], !(connection.queue.isEmpty && connection.held.isEmpty),
                  let spec = governingSpec(state, name, connection), let timeout = spec.queue.timeout else { continue }
            let limit = EngineState.micros(timeout)
            for held in [true, false] {
                let waiting = held ? connection.held : connection.queue
                var order = waiting.inWaitingOrder()
                var expired = 0
                while let ref = order.next() {
                    guard let entry = waiting.entry(of: ref), now - entry.queuedAtMicros >= limit else { break }
                    guard !room.gone.contains(ref), let run = state.runs[ref.run], run.cancelReason == nil else { continue }
                    let task = run.graph.names[ref.index]
                    let attempt = run.tasks[ref.index].attempt
                    let waited = now - entry.queuedAtMicros
                    let numbers = Numbers(connection: name, depth: connection.waiting, max: spec.queue.max ?? 0, priority: entry.priority,
                                          waitedMs: UInt64(waited / 1_000), timeoutMs: UInt64(limit / 1_000))
                    events.append(EventFactory.contention(run.id, task, attempt: attempt, .queueTimedOut, numbers))
                    events.append(EventFactory.taskFailed(run.id, task, attempt: attempt, errorClass: .queueTimeout,
                                                          message: "waited \(DurationText.format(.microseconds(waited))) for connection \(name), "
                                                          + "longer than its queue.timeout of \(DurationText.format(timeout))", retryable: true))
                    room.gone.insert(ref)
                    expired += 1
                }
                room.update(name, state) { if held { $0.held -= expired } else { $0.waiting -= expired } }
            }
        }
    }

    /// The earliest time a queued or held task of `connection` reaches its queue timeout.
    static func queueTimeoutDeadline(_ state: EngineState, _ name: String, _ connection: ConnectionState) -> Int64? {
        guard let timeout = governingSpec(state, name, connection)?.queue.timeout else { return nil }
        var queued = connection.queue.inWaitingOrder(), held = connection.held.inWaitingOrder()
        let oldest = [queued.next().flatMap(connection.queue.entry(of:)), held.next().flatMap(connection.held.entry(of:))]
            .compactMap { $0?.queuedAtMicros }.min()
        return oldest.map { $0 + EngineState.micros(timeout) }
    }

    /// The numbers a contention decision carries.
    struct Numbers {
        var connection: String
        var depth: Int
        var max: Int
        var priority: Int
        var waitedMs: UInt64 = 0
        var timeoutMs: UInt64 = 0
        var effectivePriority = 0
        var passedPriority = 0
        var slots = 0
        var maxInFlight = 0
    }
}

extension EventFactory {
    static func contention(_ run: String, _ task: String, attempt: UInt32, _ decision: Baton_V1_ContentionDecision,
                           _ numbers: Decider.Numbers) -> Baton_V1_Event {
        var event = Baton_V1_Event()
        event.runID = run
        event.actor = "engine"
        event.contentionDecided = .with {
            $0.task = task; $0.attempt = attempt; $0.connection = numbers.connection; $0.decision = decision
            $0.queueDepth = UInt32(clamping: numbers.depth); $0.queueMax = UInt32(clamping: numbers.max)
            $0.waitedMs = numbers.waitedMs; $0.timeoutMs = numbers.timeoutMs
            $0.priority = Int32(clamping: numbers.priority); $0.effectivePriority = Int32(clamping: numbers.effectivePriority)
            $0.passedPriority = Int32(clamping: numbers.passedPriority)
            $0.slots = UInt32(clamping: numbers.slots); $0.maxInFlight = UInt32(clamping: numbers.maxInFlight)
        }
        return event
    }
}
