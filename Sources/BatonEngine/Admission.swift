import BatonEvents
import BatonState

/// Decides whether an observation made outside the lock still applies when it reaches the log.
///
/// A dispatcher or monitor answers about one attempt; by the time its answer is appended the
/// task may have moved on (timed out, been cancelled, been reconciled by someone else). Stale
/// answers are dropped, so each attempt gets exactly one outcome and projections never see an
/// impossible transition.
enum Admission {
    static func admits(_ event: Baton_V1_Event, _ state: EngineState) -> Bool {
        switch event.body {
        case .connectionThrottled, .snapshotWritten:
            return true
        case .scheduleFired(let e):
            // Inside the lock: an interval fires once, whoever else is firing schedules.
            return e.intervalEndUs > state.scheduleFires[e.workflow]?.intervalEndMicros ?? .min
        case .runsExpired(let e):
            // Only runs that are still there and finished; an empty expiry is dropped.
            return e.runIds.contains { state.runs[$0]?.outcome != nil }
        case .workflowRegistered(let e):
            // Registering is needed only when this content is not already the newest version.
            return state.latestDefinition[e.workflow] != EngineState.hex(e.contentHash)
        case .connectionsRegistered(let e):
            // Likewise for the registry: one event per new version.
            return state.registry?.hashHex != EngineState.hex(e.contentHash)
        case .runCreated:
            return state.runs[event.runID] == nil
        case .runCancelRequested:
            // Once per run, and only while it has not finished.
            return state.runs[event.runID].map { $0.outcome == nil && $0.cancelReason == nil } ?? false
        case .tasksCleared(let e):
            // Checked again inside the lock: the tasks may have moved since the request was checked.
            return (try? state.tasksToClear(run: event.runID, task: e.task, mode: e.mode).get()) == e.tasks
        case .alertDelivery(let e):
            // A delivery is recorded once the alert is still owed to that target.
            return state.pendingAlerts[e.alertSeq].map { !$0.finalTargets.contains(e.target) } ?? false
        case .taskDispatched(let e):
            return task(state, event.runID, e.task)?.isAt(e.attempt, .claimed) ?? false
        case .taskSucceeded(let e):
            return task(state, event.runID, e.task)?.isAt(e.attempt, .claimed, .running) ?? false
        case .taskFailed(let e):
            return task(state, event.runID, e.task)?.isAt(e.attempt, .claimed, .running) ?? false
        case .taskQueued(let e):
            // Releasing a claim after a throttled submit.
            return task(state, event.runID, e.task)?.isAt(e.attempt, .claimed) ?? false
        case .platformObserved(let e):
            return task(state, event.runID, e.task)?.attempt == e.attempt
        case .taskCancelled(let e):
            return task(state, event.runID, e.task).map { !$0.status.isTerminal && $0.attempt == e.attempt } ?? false
        default:
            return false
        }
    }

    private static func task(_ state: EngineState, _ run: String, _ name: String) -> TaskRecord? {
        guard let run = state.runs[run], let index = run.graph.index(named: name) else { return nil }
        return run.tasks[index.rawValue]
    }
}

extension TaskRecord {
    fileprivate func isAt(_ attempt: UInt32, _ statuses: TaskStatus...) -> Bool {
        self.attempt == attempt && statuses.contains(status)
    }
}
