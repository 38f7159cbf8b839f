public import BatonEvents
public import BatonModel
import Foundation

/// The projection of the whole log: registered definitions, every run with every task, and the
/// limiter state of every connection. A pure fold: `apply` reads no clock and does no I/O; time
/// comes only from the records.
public struct EngineState: Sendable, Equatable {
    /// The last sequence number applied (0 for none).
    public private(set) var lastSeq: UInt64 = 0
    /// The time of the last event applied (µs).
    public private(set) var lastTimeMicros: Int64 = 0
    /// Definitions by hex content hash.
    public private(set) var definitions: [String: Workflow] = [:]
    /// The newest registered hash of each workflow name.
    public private(set) var latestDefinition: [String: String] = [:]
    /// Where each definition came from (its text, kept for snapshots and audits).
    public private(set) var definitionSources: [String: DefinitionSource] = [:]
    public internal(set) var runs: [String: RunState] = [:]
    public internal(set) var connections: [String: ConnectionState] = [:]
    /// Tasks holding a connection slot (claimed or running).
    public internal(set) var active: Set<TaskRef> = []
    /// Runs the decider owes events.
    var runsWithWork: Set<String> = []
    /// When each workflow name was first registered (µs): a schedule owes nothing from before.
    public private(set) var firstRegisteredMicros: [String: Int64] = [:]
    /// The newest interval each workflow's schedule fired for, by workflow name.
    public private(set) var scheduleFires: [String: ScheduleFire] = [:]
    /// Alerts raised (by a task's final failure or a failed run) and not yet done, by the sequence
    /// number of the event that raised them.
    public private(set) var pendingAlerts: [UInt64: PendingAlert] = [:]
    /// The connections registry in force: the newest `ConnectionsRegistered`, nil before any.
    public private(set) var registry: RegistryVersion?
    /// The DAG of each definition, built once and shared (copy-on-write) by all its runs.
    private(set) var graphs: [String: WorkflowGraph] = [:]

    /// An empty projection.
    public init() {}

    /// Applies the event stored at `seq` with time `timeMicros`.
    /// - Throws: `StateError` when the event contradicts the log (unknown run, task or definition).
    /// - Complexity: O(edges the event resolves); O(definition size) for a registration.
    public mutating func apply(_ event: Baton_V1_Event, seq: UInt64, timeMicros: Int64) throws(StateError) {
        if lastSeq != 0 {
            precondition(seq == lastSeq + 1, "projection at \(lastSeq) given event \(seq)")
        }
        switch event.body {
        case .workflowRegistered(let e):
            try register(e, seq: seq)
            if firstRegisteredMicros[e.workflow] == nil { firstRegisteredMicros[e.workflow] = timeMicros }
        case .connectionsRegistered(let e):
            try restoreRegistry(hashHex: Self.hex(e.contentHash), source: e.definition, path: e.sourcePath, seq: seq)
        case .runCreated(let e):
            try createRun(e, id: event.runID, actor: event.actor, seq: seq, time: timeMicros)
        case .runFinished(let e):
            try withRun(event.runID, seq) { run in
                run.outcome = e.outcome == .succeeded ? .succeeded : (e.outcome == .cancelled ? .cancelled : .failed)
                run.finishedAtMicros = timeMicros
            }
            if e.outcome == .failed, let run = runs[event.runID] {
                raiseAlert(seq: seq, time: timeMicros, run: run, task: "", kind: .runFailed, message: e.reason, attempts: 0)
            }
        case .runCancelRequested(let e):
            try withRun(event.runID, seq) { run in
                if run.outcome == nil && run.cancelReason == nil { run.cancelReason = e.reason.isEmpty ? "cancelled by \(event.actor)" : e.reason }
            }
        case .tasksCleared(let e):
            try clearTasks(e, run: event.runID, seq: seq)
        case .alertDelivery(let e):
            if e.alertDone {
                pendingAlerts[e.alertSeq] = nil
            } else if e.final {
                pendingAlerts[e.alertSeq]?.finalTargets.insert(e.target)
                pendingAlerts[e.alertSeq]?.retries[e.target] = nil
            } else {
                pendingAlerts[e.alertSeq]?.retries[e.target] = PendingAlert.Retry(attempts: e.attempt, nextAttemptMicros: e.nextAttemptUs)
            }
        case .connectionThrottled(let e):
            var connection = connections.removeValue(forKey: e.connection) ?? ConnectionState()
            connection.throttledUntilMicros = max(connection.throttledUntilMicros, e.untilUs)
            connections[e.connection] = connection
        case .runsExpired(let e):
            for id in e.runIds { runs[id] = nil; runsWithWork.remove(id) }
        case .scheduleFired(let e):
            if e.intervalEndUs > scheduleFires[e.workflow]?.intervalEndMicros ?? .min {
                scheduleFires[e.workflow] = ScheduleFire(logicalDateMicros: e.logicalDateUs, intervalEndMicros: e.intervalEndUs, runID: e.createdRunID)
            }
        case .snapshotWritten, .none:
            break
        default:
            try applyTaskEvent(event, seq: seq, time: timeMicros)
        }
        lastSeq = seq
        lastTimeMicros = max(lastTimeMicros, timeMicros)
    }

    /// Resets the tasks an operator cleared. Admission lets through only tasks that are pending or
    /// finished (none queued or holding a slot), so no connection queue or slot changes.
    private mutating func clearTasks(_ e: Baton_V1_TasksCleared, run id: String, seq: UInt64) throws(StateError) {
        try withRun(id, seq) { (run) throws(StateError) in
            var cleared: [Int] = []
            for name in e.tasks {
                guard let index = run.graph.index(named: name)?.rawValue else {
                    throw StateError(seq: seq, reason: "TasksCleared names unknown task \(name) of run \(id)")
                }
                let status = run.tasks[index].status
                guard status == .pending || status.isTerminal else {
                    throw StateError(seq: seq, reason: "TasksCleared resets task \(name) of run \(id) while it is \(status.rawValue)")
                }
                cleared.append(index)
            }
            run.clear(cleared)
        }
    }

    /// Raises the alert for a task's final failure or a failed run.
    mutating func raiseAlert(seq: UInt64, time: Int64, run: RunState, task: String, kind: PendingAlert.Kind, message: String, attempts: UInt32) {
        pendingAlerts[seq] = PendingAlert(seq: seq, raisedAtMicros: time, runID: run.id, workflow: run.workflow.name, owner: run.workflow.owner,
                                          task: task, kind: kind, message: message, attempts: attempts, targets: run.workflow.alerts)
    }

    mutating func restoreAlert(_ alert: PendingAlert) { pendingAlerts[alert.seq] = alert }

    private mutating func register(_ e: Baton_V1_WorkflowRegistered, seq: UInt64) throws(StateError) {
        let hash = Self.hex(e.contentHash)
        guard definitions[hash] == nil else { latestDefinition[e.workflow] = hash; return }
        try restoreDefinition(hash: hash, workflow: e.workflow, source: e.definition, path: e.sourcePath, seq: seq)
        latestDefinition[e.workflow] = hash
    }

    /// Loads a registered definition's text.
    mutating func restoreDefinition(hash: String, workflow: String, source: String, path: String, seq: UInt64) throws(StateError) {
        do {
            let definition = try WorkflowLoader.parseRegistered(source, file: path.isEmpty ? workflow : path)
            definitions[hash] = definition
            graphs[hash] = WorkflowGraph(definition)
            definitionSources[hash] = DefinitionSource(workflow: workflow, text: source, path: path)
        } catch {
            throw StateError(seq: seq, reason: "registered definition of \(workflow) does not load: \(error)")
        }
    }

    mutating func restoreLatest(_ latest: [String: String]) { latestDefinition = latest }

    /// Puts a registry version in force; its text was validated when it was registered.
    mutating func restoreRegistry(hashHex: String, source: String, path: String, seq: UInt64) throws(StateError) {
        do {
            let parsed = try ConnectionRegistryLoader.parse(source, file: path.isEmpty ? "connections" : path, checksFiles: false)
            registry = RegistryVersion(hashHex: hashHex, registry: parsed, path: path)
        } catch {
            throw StateError(seq: seq, reason: "registered connections registry does not load: \(error)")
        }
    }

    /// The definition that governs connection `name` for `run`: the registry's, which every
    /// workflow shares, else the one the run's own workflow defines.
    public func connectionSpec(_ name: String, of run: RunState) -> ConnectionSpec? {
        Self.connectionSpec(name, of: run, registry: registry?.registry)
    }

    static func connectionSpec(_ name: String, of run: RunState, registry: ConnectionRegistry?) -> ConnectionSpec? {
        registry?.connections[name] ?? run.workflow.connections[name]
    }

    mutating func restoreRun(_ run: RunState) throws(StateError) {
        runs[run.id] = run
        if run.hasWork { runsWithWork.insert(run.id) }
        for index in run.tasks.indices where run.tasks[index].status.holdsSlot {
            active.insert(TaskRef(run: run.id, index: index))
        }
    }

    mutating func restoreConnection(_ name: String, recent: [Int64], throttledUntil: Int64, queue: [TaskRef], held: [TaskRef]) {
        var connection = ConnectionState()
        connection.recentDispatches = recent
        connection.throttledUntilMicros = throttledUntil
        // Pushed back in arrival order, each with its priority and queue time: the same claim order.
        func push(_ refs: [TaskRef], into waiting: inout ClaimQueue) {
            for ref in refs {
                guard let run = runs[ref.run] else { continue }
                waiting.push(ref, priority: run.spec(of: ref.index).priority, queuedAtMicros: run.tasks[ref.index].queuedAtMicros ?? 0)
            }
        }
        push(queue, into: &connection.queue)
        push(held, into: &connection.held)
        for ref in active {
            guard let run = runs[ref.run], run.connection(of: ref.index) == name else { continue }
            connection.inFlight += run.spec(of: ref.index).slots
            if run.tasks[ref.index].status == .claimed { connection.pendingClaims += 1 }
        }
        connections[name] = connection
    }

    mutating func restoreScheduleFire(_ workflow: String, _ fire: ScheduleFire) { scheduleFires[workflow] = fire }

    mutating func restoreFirstRegistered(_ registered: [String: Int64]) { firstRegisteredMicros = registered }

    mutating func restorePosition(seq: UInt64, time: Int64) {
        lastSeq = seq
        lastTimeMicros = time
    }

    private mutating func createRun(_ e: Baton_V1_RunCreated, id: String, actor: String, seq: UInt64, time: Int64) throws(StateError) {
        let hash = Self.hex(e.workflowHash)
        guard let workflow = definitions[hash] else {
            throw StateError(seq: seq, reason: "run \(id) names definition \(hash.prefix(12)) of \(e.workflow), which was never registered")
        }
        guard runs[id] == nil else { throw StateError(seq: seq, reason: "run \(id) created twice") }
        var run = RunState(id: id, workflow: workflow, graph: graphs[hash] ?? WorkflowGraph(workflow), workflowHash: hash, params: e.params,
                           logicalDateMicros: e.logicalDateUs, trigger: e.trigger.name, actor: actor, createdAtMicros: time)
        run.absorb(run.resolution.start())
        runs[id] = run
        noteWork(id)
    }

    /// Runs `body` on run `id`, then refreshes whether the decider owes it work.
    mutating func withRun(_ id: String, _ seq: UInt64, _ body: (inout RunState) throws(StateError) -> Void) throws(StateError) {
        // Taken out of the dictionary so it is mutated in place, and moved back, never copied.
        guard var run = runs.removeValue(forKey: id) else { throw StateError(seq: seq, reason: "event for unknown run \(id)") }
        var failure: StateError?
        do throws(StateError) { try body(&run) } catch { failure = error }
        if run.hasWork { runsWithWork.insert(id) } else { runsWithWork.remove(id) }
        runs[id] = consume run
        if let failure { throw failure }
    }

    mutating func noteWork(_ id: String) {
        if runs[id]?.hasWork == true { runsWithWork.insert(id) } else { runsWithWork.remove(id) }
    }

    /// Lower-case hex of a content hash.
    public static func hex(_ data: some Sequence<UInt8>) -> String {
        data.map { String(format: "%02x", $0) }.joined()
    }
}

/// The data interval a schedule last fired for, and the run it created.
public struct ScheduleFire: Sendable, Equatable {
    /// The start of the interval (the run's logical date), µs.
    public let logicalDateMicros: Int64
    /// Its end (the cron match that fired it), µs.
    public let intervalEndMicros: Int64
    /// The run created for it.
    public let runID: String
}

/// An alert owed to webhooks: raised by a task's final failure or a failed run, done when the
/// host that delivers it has recorded a final delivery to every target.
public struct PendingAlert: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case taskFailed = "task_failed"
        case runFailed = "run_failed"
    }

    /// The sequence number of the event that raised it (its identity).
    public let seq: UInt64
    public let raisedAtMicros: Int64
    public let runID: String
    public let workflow: String
    public let owner: String
    /// The failed task; empty for a run alert.
    public let task: String
    public let kind: Kind
    /// The error (the task's last failure, or the run's reason).
    public let message: String
    /// Attempts the task made (0 for a run alert).
    public let attempts: UInt32
    /// The webhook names the workflow lists.
    public let targets: [String]
    /// Targets that need nothing more (delivered or given up).
    public internal(set) var finalTargets: Set<String> = []
    /// Targets that failed and will be tried again: so a restarted host continues their backoff.
    public internal(set) var retries: [String: Retry] = [:]

    /// Where the deliveries to one target stand.
    public struct Retry: Sendable, Equatable {
        /// Attempts recorded so far.
        public let attempts: UInt32
        /// When the next one is due (µs).
        public let nextAttemptMicros: Int64
    }
}

/// The text a definition was registered with.
public struct DefinitionSource: Sendable, Equatable {
    public let workflow: String
    public let text: String
    public let path: String
}

extension Baton_V1_Trigger {
    /// The trigger's name as shown in status and replay.
    public var name: String {
        switch self {
        case .manual: return "manual"
        case .schedule: return "schedule"
        case .backfill: return "backfill"
        case .api: return "api"
        case .unspecified, .UNRECOGNIZED: return "unspecified"
        }
    }
}

/// A version of the connections registry as the log holds it.
public struct RegistryVersion: Sendable, Equatable {
    /// SHA-256 of its text, in hex.
    public let hashHex: String
    public let registry: ConnectionRegistry
    /// Where it was loaded from.
    public let path: String
}
