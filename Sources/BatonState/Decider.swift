public import BatonEvents
import BatonModel

/// What the decider may do in one call, besides what the state owes.
public struct DecisionContext: Sendable {
    /// The time the events will carry (µs); deciders read time only from here.
    public var now: Int64
    /// Claim queued work for this dispatcher, or nil to claim nothing.
    public var dispatcherID: String?
    /// The connections that dispatcher serves (nil: all).
    public var servedConnections: Set<String>?
    /// The most claims one call makes.
    public var claimsMax: Int
    /// How long a claim is protected from other dispatchers (µs).
    public var leaseMicros: Int64
    /// Also look at deadlines (timeouts); the runtime sets this when its timer is due.
    public var scanDeadlines: Bool
    /// The most tasks the dispatcher may hold at once (claimed or running), nil for no cap of its own.
    public var dispatcherCapacity: Int?
    /// Idempotency keys of other dispatchers' claims this one took over; they count against its capacity.
    public var adoptedClaims: Set<String>

    /// Describes one decision call.
    public init(now: Int64, dispatcherID: String? = nil, servedConnections: Set<String>? = nil, claimsMax: Int = 256,
                leaseMicros: Int64 = 300_000_000, scanDeadlines: Bool = true, dispatcherCapacity: Int? = nil,
                adoptedClaims: Set<String> = []) {
        self.now = now
        self.dispatcherID = dispatcherID
        self.servedConnections = servedConnections
        self.claimsMax = claimsMax
        self.leaseMicros = leaseMicros
        self.scanDeadlines = scanDeadlines
        self.dispatcherCapacity = dispatcherCapacity
        self.adoptedClaims = adoptedClaims
    }
}

/// The pure decisions of the engine: from the projection and the time, the next events.
///
/// It owes every run the events its resolution implies (queue ready tasks, record skips with
/// the deciding edge, schedule and release retries, finish the run), enforces timeouts, and
/// claims queued work for a dispatcher within each connection's `max_in_flight` and rate window.
public enum Decider {
    /// The events to append next, in order; empty when there is nothing to do.
    /// - Complexity: O(runs owed work + claims made), plus O(active tasks) when scanning deadlines.
    public static func decide(_ state: EngineState, _ context: DecisionContext) -> [Baton_V1_Event] {
        var events: [Baton_V1_Event] = []
        var room = QueueRoom()
        if context.scanDeadlines { queueTimeouts(state, now: context.now, &room, into: &events) }
        admitHeld(state, &room, into: &events)
        for id in state.runsWithWork.sorted() {
            guard let run = state.runs[id] else { continue }
            owed(state, run, context.now, &room, into: &events)
        }
        if context.scanDeadlines { timeouts(state, context.now, into: &events) }
        if let dispatcher = context.dispatcherID { claims(state, context, dispatcher, room, into: &events) }
        return events
    }

    /// The earliest future time at which `decide` would produce something without new events
    /// (a retry falling due, a timeout, a claim's lease running out, a throttle or rate window
    /// ending), or nil.
    /// - Complexity: O(runs owed work + active tasks + connections).
    public static func nextDeadline(_ state: EngineState, now: Int64) -> Int64? {
        var next: Int64?
        func consider(_ time: Int64) { if time > now { next = min(next ?? time, time) } }
        for id in state.runsWithWork {
            guard let run = state.runs[id] else { continue }
            for index in run.retryTimers { if let at = run.tasks[index].retryNotBeforeMicros { consider(at) } }
        }
        for ref in state.active {
            guard let run = state.runs[ref.run] else { continue }
            let task = run.tasks[ref.index]
            // A claim whose dispatcher went away is taken over once its lease has run out: wake
            // then, or a process that only waits for its own run would wait forever.
            if task.status == .claimed, let claim = task.claim { consider(claim.leaseDeadlineMicros + 1) }
            guard let dispatched = task.dispatchedAtMicros, let timeout = run.spec(of: ref.index).timeout else { continue }
            consider(dispatched + EngineState.micros(timeout))
        }
        for (name, connection) in state.connections where !(connection.queue.isEmpty && connection.held.isEmpty) {
            if let due = queueTimeoutDeadline(state, name, connection) { consider(due) }
            guard !connection.queue.isEmpty else { continue }
            consider(connection.throttledUntilMicros)
            if let oldest = connection.recentDispatches.first, let window = governingSpec(state, name, connection)?.rate?.window {
                consider(oldest + EngineState.micros(window) + 1)
            }
        }
        return next
    }

    private static func owed(_ state: EngineState, _ run: RunState, _ now: Int64, _ room: inout QueueRoom, into events: inout [Baton_V1_Event]) {
        if let reason = run.cancelReason {
            cancellation(run, reason, into: &events)
            return
        }
        for index in run.needsSkipEvent.keys.sorted() {
            guard let reason = run.needsSkipEvent[index] else { continue }
            let upstream = run.graph.name(of: reason.upstream)
            events.append(EventFactory.taskSkipped(run.id, run.graph.names[index], upstream: upstream, reason))
        }
        for index in run.needsQueue.sorted() {
            // A cleared task continues its attempt numbering, so no idempotency key is used twice.
            admit(state, run, index, attempt: run.tasks[index].attempt + 1, now: now, &room, into: &events)
        }
        for index in run.needsRetryDecision.sorted() {
            let task = run.tasks[index]
            let key = idempotencyKey(run.id, run.graph.names[index], task.attempt)
            let (delay, jitter) = RetryBackoff.delay(run.spec(of: index).retry, next: task.attempt + 1 - task.attemptsBeforeClear, seed: key)
            let notBefore = now + Int64(delay + jitter) * 1_000
            events.append(EventFactory.retryScheduled(run.id, run.graph.names[index], attempt: task.attempt + 1, notBefore: notBefore,
                                                      delayMs: delay, jitterMs: jitter, reason: task.lastFailure?.errorClass ?? ""))
        }
        for index in run.retryTimers.sorted() {
            let task = run.tasks[index]
            if let due = task.retryNotBeforeMicros, due <= now {
                admit(state, run, index, attempt: task.attempt + 1, now: now, &room, into: &events)
            }
        }
        if let outcome = run.resolution.runOutcome, run.outcome == nil {
            // Name the failed leaves; when a handler absorbed the failure (no leaf failed), the failed tasks.
            var failed = run.graph.leaves.filter { run.tasks[$0.rawValue].status == .failed }.map { run.graph.name(of: $0) }
            if failed.isEmpty { failed = run.graph.indices.filter { run.tasks[$0.rawValue].status == .failed }.map { run.graph.name(of: $0) } }
            let reason = outcome == .succeeded ? "every evaluated task succeeded" : "failed: \(failed.prefix(5).joined(separator: ", "))"
            events.append(EventFactory.runFinished(run.id, outcome == .succeeded ? .succeeded : .failed, reason: reason))
        }
    }

    /// A run an operator cancelled: every task not finished is cancelled (a running one is first
    /// asked to stop on its platform), then the run finishes cancelled. A claimed task is left
    /// until its submit answers (it becomes running, or fails), so no platform run is left behind
    /// unseen: its platform run ID is what the stop request needs.
    private static func cancellation(_ run: RunState, _ reason: String, into events: inout [Baton_V1_Event]) {
        var submitting = false
        for index in run.tasks.indices where !run.tasks[index].status.isTerminal {
            let task = run.tasks[index]
            let name = run.graph.names[index]
            switch task.status {
            case .claimed:
                submitting = true
                continue
            case .running:
                events.append(EventFactory.taskCancelRequested(run.id, name, attempt: task.attempt, reason: reason))
            default:
                break
            }
            events.append(EventFactory.taskCancelled(run.id, name, attempt: task.attempt, reason: reason))
        }
        if !submitting { events.append(EventFactory.runFinished(run.id, .cancelled, reason: "cancelled: \(reason)")) }
    }

    private static func timeouts(_ state: EngineState, _ now: Int64, into events: inout [Baton_V1_Event]) {
        // Only the attempts past their deadline are sorted (for a deterministic order), not all active ones.
        let due = state.active.filter { ref in
            // A run being cancelled cancels its running tasks in this same decision instead.
            guard let run = state.runs[ref.run], run.cancelReason == nil, let dispatched = run.tasks[ref.index].dispatchedAtMicros,
                  let timeout = run.spec(of: ref.index).timeout else { return false }
            return now >= dispatched + EngineState.micros(timeout)
        }
        for ref in due.sorted(by: { ($0.run, $0.index) < ($1.run, $1.index) }) {
            guard let run = state.runs[ref.run], let timeout = run.spec(of: ref.index).timeout else { continue }
            let task = run.tasks[ref.index]
            let limit = EngineState.micros(timeout)
            let name = run.graph.names[ref.index]
            events.append(EventFactory.timedOut(run.id, name, attempt: task.attempt, timeoutMs: UInt64(limit / 1_000)))
            events.append(EventFactory.taskFailed(run.id, name, attempt: task.attempt, errorClass: .timeout,
                                                  message: "no answer within \(DurationText.format(timeout))", retryable: true))
        }
    }

    /// Claims queued attempts in each connection's claim order (priority, aged by waiting) while
    /// their slots fit `max_in_flight` and the rate window has room. The head of the order waits
    /// for enough free slots rather than being overtaken, so a heavy task is never starved.
    /// - Complexity: O((claims + skipped) × distinct priorities) per connection.
    private static func claims(_ state: EngineState, _ context: DecisionContext, _ dispatcher: String, _ room: QueueRoom,
                               into events: inout [Baton_V1_Event]) {
        var budget = context.claimsMax
        if let capacity = context.dispatcherCapacity {
            // What this dispatcher holds already counts against its capacity: its own claims and
            // those it took over from a dispatcher that went away.
            let held = state.active.count { ref in
                guard let claim = state.runs[ref.run]?.tasks[ref.index].claim else { return false }
                return claim.dispatcherID == dispatcher || context.adoptedClaims.contains(claim.idempotencyKey)
            }
            budget = min(budget, max(0, capacity - held))
        }
        for name in state.connections.keys.sorted() where budget > 0 {
            guard context.servedConnections?.contains(name) ?? true, let connection = state.connections[name],
                  !connection.queue.isEmpty, context.now >= connection.throttledUntilMicros else { continue }
            let aging = governingSpec(state, name, connection)?.queue.aging.map(EngineState.micros)
            let highest = connection.queue.highestPriority ?? 0
            var inFlight = connection.inFlight
            var claimed = 0
            var order = connection.queue.inClaimOrder(agingMicros: aging)
            while budget > 0, let ref = order.next() {
                // A run being cancelled cancels its queued tasks in this same decision: never claim them.
                guard !room.gone.contains(ref), let run = state.runs[ref.run], run.cancelReason == nil else { continue }
                let spec = state.connectionSpec(name, of: run)
                let taskSpec = run.spec(of: ref.index)
                let task = run.tasks[ref.index]
                let taskName = run.graph.names[ref.index]
                if let maxInFlight = spec?.maxInFlight {
                    if taskSpec.slots > maxInFlight {
                        // Validation refuses this; a limit lowered since can still cause it.
                        var numbers = Numbers(connection: name, depth: connection.waiting, max: spec?.queue.max ?? 0, priority: taskSpec.priority)
                        numbers.slots = taskSpec.slots
                        numbers.maxInFlight = maxInFlight
                        events.append(EventFactory.contention(run.id, taskName, attempt: task.attempt, .rejected, numbers))
                        events.append(EventFactory.taskFailed(run.id, taskName, attempt: task.attempt, errorClass: .rejected,
                                                              message: "needs \(taskSpec.slots) slots, more than connection \(name) has (max_in_flight: \(maxInFlight))",
                                                              retryable: false))
                        continue
                    }
                    if inFlight + taskSpec.slots > maxInFlight { break }
                }
                if let rate = spec?.rate {
                    let usage = connection.windowUsage(now: context.now, windowMicros: EngineState.micros(rate.window))
                    if usage + claimed >= rate.count { break }
                }
                if let aging, taskSpec.priority < highest, let entry = connection.queue.entry(of: ref) {
                    // Waiting raised it past a task of higher priority: say so, with the numbers.
                    var numbers = Numbers(connection: name, depth: connection.waiting, max: spec?.queue.max ?? 0, priority: taskSpec.priority)
                    let waited = max(0, context.now - entry.queuedAtMicros)
                    numbers.waitedMs = UInt64(waited / 1_000)
                    numbers.effectivePriority = taskSpec.priority + Int(min(waited / aging, Int64(TaskSpec.priorityRange.count)))
                    numbers.passedPriority = highest
                    events.append(EventFactory.contention(run.id, taskName, attempt: task.attempt, .promoted, numbers))
                }
                events.append(EventFactory.taskClaimed(run.id, taskName, attempt: task.attempt, connection: name, dispatcher: dispatcher,
                                                       key: idempotencyKey(run.id, taskName, task.attempt),
                                                       leaseDeadline: context.now + context.leaseMicros))
                inFlight += taskSpec.slots
                claimed += 1
                budget -= 1
            }
        }
    }

    /// `run/task/attempt`: what platforms deduplicate submissions by.
    public static func idempotencyKey(_ run: String, _ task: String, _ attempt: UInt32) -> String {
        "\(run)/\(task)/\(attempt)"
    }
}
