public import BatonEvents
public import BatonLog
import BatonModel
import BatonState
import Foundation

/// The audit view of one event: which task and attempt it concerns and what it says, in words.
/// Shared by `baton replay` and the API's event stream.
public struct EventDescription {
    public var task = ""
    public var attempt: UInt32 = 0
    public var platformRunID = ""
    public var detail = ""
    /// Extra JSON fields for `replay --json` and the event stream.
    public var fields: [String: Any] = [:]

    /// `databricks, max_in_flight 20, rate 10/1s`.
    static func limits(_ spec: ConnectionSpec) -> String {
        var parts = [spec.platform]
        if let max = spec.maxInFlight { parts.append("max_in_flight \(max)") }
        if let rate = spec.rate { parts.append("rate \(rate)") }
        return parts.joined(separator: ", ")
    }

    /// A contention decision with the numbers that decided it.
    static func contention(_ e: Baton_V1_ContentionDecided) -> String {
        let queue = "queue of \(e.connection) \(e.queueDepth)/\(e.queueMax)"
        switch e.decision {
        case .held: return "held: \(queue) full, waits for room (on_full: wait)"
        case .rejected where e.slots > 0: return "rejected: needs \(e.slots) slots, \(e.connection) has max_in_flight \(e.maxInFlight)"
        case .rejected: return "rejected: \(queue) full (on_full: reject)"
        case .dropped: return "dropped after \(e.waitedMs) ms: \(queue) full (on_full: drop_oldest)"
        case .queueTimedOut: return "queue timeout on \(e.connection): waited \(e.waitedMs) ms, limit \(e.timeoutMs) ms"
        case .promoted: return "promoted on \(e.connection): priority \(e.priority) aged to \(e.effectivePriority) after \(e.waitedMs) ms, ahead of priority \(e.passedPriority)"
        case .unspecified, .UNRECOGNIZED: return "\(e.decision.name) on \(e.connection)"
        }
    }

    /// Describes `event`.
    public init(_ event: Baton_V1_Event) {
        switch event.body {
        case .workflowRegistered(let e):
            detail = "\(e.workflow) definition \(EngineState.hex(e.contentHash).prefix(12)) from \(e.sourcePath)"
            fields = ["workflow": e.workflow, "content_hash": EngineState.hex(e.contentHash)]
        case .connectionsRegistered(let e):
            let limits = (try? ConnectionRegistryLoader.parse(e.definition, file: e.sourcePath, checksFiles: false))
                .map { registry in registry.connections.keys.sorted().map { "\($0) (\(registry.connections[$0].map(Self.limits) ?? ""))" } } ?? []
            detail = "connections \(EngineState.hex(e.contentHash).prefix(12)) from \(e.sourcePath) by \(event.actor)"
                + (limits.isEmpty ? ": none" : ": " + limits.joined(separator: ", "))
            fields = ["content_hash": EngineState.hex(e.contentHash), "source_path": e.sourcePath]
        case .runCreated(let e):
            let params = e.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let interval = e.trigger == .schedule || e.trigger == .backfill
                ? " interval \(EventDescription.formatTime(e.logicalDateUs)) to \(EventDescription.formatTime(e.intervalEndUs))" : ""
            detail = "\(e.workflow) (definition \(EngineState.hex(e.workflowHash).prefix(12))) trigger \(e.trigger.name) by \(event.actor)\(interval)\(params.isEmpty ? "" : " params \(params)")"
            fields = ["workflow": e.workflow, "workflow_hash": EngineState.hex(e.workflowHash), "trigger": e.trigger.name, "params": e.params]
        case .taskQueued(let e):
            (task, attempt) = (e.task, e.attempt)
        case .taskExpanded(let e):
            task = e.task
            detail = "\(e.replicas.count) replicas"
        case .taskClaimed(let e):
            (task, attempt) = (e.task, e.attempt)
            detail = "by \(e.dispatcherID) on \(e.connection), key \(e.idempotencyKey)"
            fields = ["dispatcher": e.dispatcherID, "connection": e.connection, "idempotency_key": e.idempotencyKey, "lease_deadline_us": e.leaseDeadlineUs]
        case .taskDispatched(let e):
            (task, attempt, platformRunID) = (e.task, e.attempt, e.platformRunID)
            detail = "on \(e.connection) as \(e.platformRunID)"
        case .taskSucceeded(let e):
            (task, attempt) = (e.task, e.attempt)
            detail = e.outputJson.isEmpty ? "" : "output \(e.outputJson.prefix(120))"
            fields = ["output": e.outputJson]
        case .taskFailed(let e):
            (task, attempt) = (e.task, e.attempt)
            detail = "[\(e.errorClass.name)\(e.retryable ? ", retryable" : "")] \(e.message.prefix(200))"
            fields = ["error_class": e.errorClass.name, "message": e.message, "retryable": e.retryable]
        case .taskRetryScheduled(let e):
            (task, attempt) = (e.task, e.attempt)
            detail = "attempt \(e.attempt) after \(e.delayMs) ms + \(e.jitterMs) ms jitter (\(e.reason))"
            fields = ["not_before_us": e.notBeforeUs, "delay_ms": e.delayMs, "jitter_ms": e.jitterMs, "reason": e.reason]
        case .taskSkipped(let e):
            task = e.task
            detail = "edge \(e.upstream)\(e.condition == .unspecified ? "" : " (on \(e.condition.name))"): \(e.reason)"
            fields = ["upstream": e.upstream, "reason": e.reason]
        case .taskTimedOut(let e):
            (task, attempt) = (e.task, e.attempt)
            detail = "after \(e.timeoutMs) ms"
        case .taskCancelRequested(let e):
            (task, attempt, detail) = (e.task, e.attempt, e.reason)
        case .taskCancelled(let e):
            (task, attempt, detail) = (e.task, e.attempt, e.reason)
        case .platformObserved(let e):
            (task, attempt, platformRunID) = (e.task, e.attempt, e.platformRunID)
            detail = "\(e.platformRunID) is \(e.state) (\(e.detail))"
        case .connectionThrottled(let e):
            detail = "\(e.connection) paused until \(EventDescription.formatTime(e.untilUs)): \(e.reason)"
            fields = ["connection": e.connection, "until_us": e.untilUs, "reason": e.reason]
        case .runFinished(let e):
            detail = e.reason.isEmpty ? "\(e.outcome)" : "\(e.outcome) (\(e.reason))"
        case .scheduleFired(let e):
            detail = "\(e.workflow) interval \(EventDescription.formatTime(e.logicalDateUs)) to \(EventDescription.formatTime(e.intervalEndUs)) creates \(e.createdRunID)"
            fields = ["workflow": e.workflow, "logical_date_us": e.logicalDateUs, "interval_end_us": e.intervalEndUs, "created_run_id": e.createdRunID]
        case .snapshotWritten(let e):
            detail = "at seq \(e.seq)"
        case .runsExpired(let e):
            detail = "\(e.runIds.count) runs finished before \(EventDescription.formatTime(e.finishedBeforeUs)): \(e.runIds.prefix(5).joined(separator: ", "))\(e.runIds.count > 5 ? ", …" : "")"
            fields = ["run_ids": e.runIds, "finished_before_us": e.finishedBeforeUs]
        case .runCancelRequested(let e):
            detail = "by \(event.actor): \(e.reason)"
            fields = ["reason": e.reason]
        case .tasksCleared(let e):
            task = e.task
            let verb = e.mode == .retry ? "retry" : "clear"
            detail = "\(verb) by \(event.actor) resets \(e.tasks.count) tasks: \(e.tasks.prefix(5).joined(separator: ", "))\(e.tasks.count > 5 ? ", …" : "")\(e.reason.isEmpty ? "" : " (\(e.reason))")"
            fields = ["mode": verb, "tasks": e.tasks, "reason": e.reason]
        case .alertDelivery(let e):
            let outcome = e.delivered ? "delivered" : (e.final ? "given up" : "failed, next at \(EventDescription.formatTime(e.nextAttemptUs))")
            detail = "alert \(e.alertSeq) to \(e.target.isEmpty ? "(no webhook)" : e.target) attempt \(e.attempt): \(outcome) (\(e.detail))"
            fields = ["alert_seq": e.alertSeq, "target": e.target, "delivered": e.delivered, "final": e.final, "detail": e.detail]
        case .contentionDecided(let e):
            (task, attempt) = (e.task, e.attempt)
            detail = Self.contention(e)
            fields = ["connection": e.connection, "decision": e.decision.name, "queue_depth": e.queueDepth, "queue_max": e.queueMax,
                      "waited_ms": e.waitedMs, "timeout_ms": e.timeoutMs, "priority": e.priority, "effective_priority": e.effectivePriority,
                      "passed_priority": e.passedPriority, "slots": e.slots, "max_in_flight": e.maxInFlight]
        case .none:
            detail = "unknown event type"
        }
    }
}

extension EventDescription {
    /// One event as the JSON object of `replay --json` and the event stream (DESIGN.md §7).
    public static func object(_ record: ReplayedRecord, _ event: Baton_V1_Event, elapsedMicros: Int64? = nil) -> [String: Any] {
        let description = EventDescription(event)
        var object: [String: Any] = [
            "seq": record.seq, "time": formatTime(record.timeMicros), "time_us": record.timeMicros, "type": event.kindName,
            "run_id": event.runID, "task": description.task, "attempt": Int(description.attempt),
            "platform_run_id": description.platformRunID, "hash": record.hash.hex, "actor": event.actor,
        ]
        if let elapsedMicros { object["elapsed_us"] = elapsedMicros }
        object.merge(description.fields) { current, _ in current }
        return object
    }

    /// ISO 8601 in UTC with milliseconds, as the audit view prints times.
    public static func formatTime(_ micros: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        return date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
