import BatonEvents
import BatonModel

extension EngineState {
    /// Applies the events that concern one task of one run.
    mutating func applyTaskEvent(_ event: Baton_V1_Event, seq: UInt64, time: Int64) throws(StateError) {
        let name = Self.taskName(of: event)
        var effects = SlotEffects()
        let registry = self.registry?.registry
        try withRun(event.runID, seq) { (run) throws(StateError) in
            guard let index = run.graph.index(named: name)?.rawValue else {
                throw StateError(seq: seq, reason: "event \(event.kindName) names unknown task \(name) of run \(run.id)")
            }
            effects = try Self.applyToTask(event, &run, index, seq: seq, time: time, registry: registry)
        }
        apply(effects, run: event.runID, time: time)
        // A failure inside a run the operator is cancelling is part of the cancel: no alert.
        if case .taskFailed(let e) = event.body, let run = runs[event.runID], run.cancelReason == nil,
           let index = run.graph.index(named: name)?.rawValue, run.tasks[index].status == .failed {
            raiseAlert(seq: seq, time: time, run: run, task: name, kind: .taskFailed, message: e.message, attempts: e.attempt - run.tasks[index].attemptsBeforeClear)
        }
    }


    /// What a task event did to its connection's slots and queue.
    struct SlotEffects {
        var connection = ""
        var index = 0
        /// The task's priority and slots, from its spec.
        var priority = 0
        var slots = 1
        var released: TaskStatus?
        var claimed = false
        var dispatched = false
        /// Entered the queue, or the held list, waiting since this time (µs).
        var queued: Int64?
        var held: Int64?
        /// Left the queue or the held list without being claimed (cancelled, failed, admitted).
        var dequeued = false
        /// The connection's rate window (µs), when it has a rate limit.
        var rateWindowMicros: Int64?
    }

    private mutating func apply(_ effects: SlotEffects, run: String, time: Int64) {
        guard !effects.connection.isEmpty else { return }
        let ref = TaskRef(run: run, index: effects.index)
        // Taken out of the dictionary so the queue inside is mutated in place, not copied.
        var connection = connections.removeValue(forKey: effects.connection) ?? ConnectionState()
        if let released = effects.released {
            connection.inFlight -= effects.slots
            if released == .claimed { connection.pendingClaims -= 1 }
            active.remove(ref)
        }
        if effects.claimed || effects.dequeued {
            connection.queue.remove(ref)
            connection.held.remove(ref)
        }
        if effects.claimed {
            connection.inFlight += effects.slots
            connection.pendingClaims += 1
            active.insert(ref)
        }
        if effects.dispatched {
            connection.pendingClaims -= 1
            connection.recentDispatches.append(time)
            if let window = effects.rateWindowMicros { connection.prune(now: time, windowMicros: window) }
        }
        if let since = effects.queued { connection.queue.push(ref, priority: effects.priority, queuedAtMicros: since) }
        if let since = effects.held { connection.held.push(ref, priority: effects.priority, queuedAtMicros: since) }
        precondition(connection.inFlight >= 0 && connection.pendingClaims >= 0, "connection \(effects.connection) slot count went negative")
        connections[effects.connection] = connection
    }

    private static func applyToTask(_ event: Baton_V1_Event, _ run: inout RunState, _ index: Int, seq: UInt64, time: Int64,
                                    registry: ConnectionRegistry?) throws(StateError) -> SlotEffects {
        let spec = run.spec(of: index)
        let connectionName = spec.connection
        let rate = connectionSpec(connectionName, of: run, registry: registry)?.rate
        var effects = SlotEffects(connection: connectionName, index: index, priority: spec.priority, slots: spec.slots,
                                  rateWindowMicros: rate.map { micros($0.window) })
        var task = run.tasks[index]
        let before = task.status
        func releaseSlot() {
            if before.holdsSlot { effects.released = before }
            task.claim = nil
            task.dispatchedAtMicros = nil
        }
        switch event.body {
        case .taskQueued(let e):
            releaseSlot()
            // A held task keeps its place in time: its wait began when it was held.
            if before == .held { effects.dequeued = true } else { task.queuedAtMicros = time }
            task.status = .queued
            task.attempt = e.attempt
            task.retryNotBeforeMicros = nil
            run.needsQueue.remove(index)
            run.retryTimers.remove(index)
            effects.queued = task.queuedAtMicros ?? time
        case .contentionDecided(let e):
            switch e.decision {
            case .held:
                task.status = .held
                task.attempt = e.attempt
                task.queuedAtMicros = time
                task.retryNotBeforeMicros = nil
                run.needsQueue.remove(index)
                run.retryTimers.remove(index)
                effects.held = time
            case .rejected where !before.holdsSlot && before != .queued:
                // Turned away before it entered the queue: the attempt counts, and its TaskFailed follows.
                task.attempt = e.attempt
                task.retryNotBeforeMicros = nil
                run.needsQueue.remove(index)
                run.retryTimers.remove(index)
            default:
                break  // the TaskFailed or TaskClaimed that follows changes the state
            }
        case .taskClaimed(let e):
            task.status = .claimed
            task.claim = .init(dispatcherID: e.dispatcherID, idempotencyKey: e.idempotencyKey, connection: e.connection,
                               leaseDeadlineMicros: e.leaseDeadlineUs, claimedAtMicros: time)
            effects.claimed = before == .queued
        case .taskDispatched(let e):
            effects.dispatched = before == .claimed
            task.status = .running
            task.dispatchedAtMicros = time
            task.platformRunIDs.append(e.platformRunID)
        case .taskSucceeded(let e):
            releaseSlot()
            task.status = .succeeded
            task.outputJSON = e.outputJson
            run.absorb(run.resolution.record(TaskIndex(index), .succeeded))
        case .taskFailed(let e):
            releaseSlot()
            effects.dequeued = before == .queued || before == .held
            task.lastFailure = .init(errorClass: e.errorClass.name, message: e.message, retryable: e.retryable)
            if RetryBackoff.willRetry(run.spec(of: index).retry, attempt: task.attempt - task.attemptsBeforeClear, retryable: e.retryable, errorClass: e.errorClass.name) {
                task.status = .retryWait
                run.needsRetryDecision.insert(index)
            } else {
                task.status = .failed
                run.absorb(run.resolution.record(TaskIndex(index), .failed))
            }
        case .taskRetryScheduled(let e):
            task.retryNotBeforeMicros = e.notBeforeUs
            run.needsRetryDecision.remove(index)
            run.retryTimers.insert(index)
        case .taskSkipped(let e):
            task.status = .skipped
            task.skipReason = "\(e.upstream): \(e.reason)"
            run.needsSkipEvent[index] = nil
        case .taskCancelled:
            releaseSlot()
            effects.dequeued = before == .queued || before == .held
            task.status = .cancelled
            run.needsQueue.remove(index)
            run.needsRetryDecision.remove(index)
            run.retryTimers.remove(index)
            run.needsSkipEvent[index] = nil
            if run.resolution.state(of: TaskIndex(index)) == .ready {
                run.absorb(run.resolution.record(TaskIndex(index), .failed))
            }
        case .taskTimedOut, .taskCancelRequested, .platformObserved, .taskExpanded:
            break  // recorded for the audit trail; the state changes with the events that follow
        default:
            throw StateError(seq: seq, reason: "\(event.kindName) is not a task event")
        }
        run.tasks[index] = task
        return effects
    }

    /// The task an event names.
    static func taskName(of event: Baton_V1_Event) -> String {
        switch event.body {
        case .taskQueued(let e): return e.task
        case .taskExpanded(let e): return e.task
        case .taskClaimed(let e): return e.task
        case .taskDispatched(let e): return e.task
        case .taskSucceeded(let e): return e.task
        case .taskFailed(let e): return e.task
        case .taskRetryScheduled(let e): return e.task
        case .taskSkipped(let e): return e.task
        case .taskTimedOut(let e): return e.task
        case .taskCancelRequested(let e): return e.task
        case .taskCancelled(let e): return e.task
        case .platformObserved(let e): return e.task
        case .contentionDecided(let e): return e.task
        default: return ""
        }
    }

    /// Microseconds in a duration.
    public static func micros(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
