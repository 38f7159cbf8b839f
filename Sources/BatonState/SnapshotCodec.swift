import BatonEvents
import BatonModel
import Foundation

/// Encodes the whole projection as a `baton.v1.Snapshot` and restores it exactly, so start-up
/// reads a snapshot and replays only the tail. The restored state equals the one replay builds.
public enum SnapshotCodec {
    /// The snapshot of `state` (as of `state.lastSeq`).
    public static func encode(_ state: EngineState) -> [UInt8] {
        var snapshot = Baton_V1_Snapshot()
        snapshot.seq = state.lastSeq
        snapshot.lastTimeUs = state.lastTimeMicros
        snapshot.latestDefinition = state.latestDefinition
        snapshot.definitions = state.definitions.keys.sorted().compactMap { hash in
            state.definitionSources[hash].map { source in
                .with { $0.hashHex = hash; $0.workflow = source.workflow; $0.source = source.text; $0.sourcePath = source.path }
            }
        }
        if let version = state.registry {
            snapshot.connectionsRegistry = .with { $0.contentHashHex = version.hashHex; $0.definition = version.registry.source; $0.sourcePath = version.path }
        }
        // Runs are stored as separately encoded messages so both directions work on them in parallel.
        let ids = state.runs.keys.sorted()
        let runs = ids.compactMap { state.runs[$0] }
        let seq = state.lastSeq
        snapshot.runBlobs = inParallel(runs.count) { (index: Int) -> Data in encodeBlob(runs[index], seq: seq) }
        snapshot.firstRegisteredUs = state.firstRegisteredMicros
        snapshot.scheduleFires = state.scheduleFires.keys.sorted().compactMap { workflow in
            state.scheduleFires[workflow].map { fire in
                .with { $0.workflow = workflow; $0.logicalDateUs = fire.logicalDateMicros; $0.intervalEndUs = fire.intervalEndMicros; $0.runID = fire.runID }
            }
        }
        snapshot.pendingAlerts = state.pendingAlerts.keys.sorted().compactMap { seq in
            state.pendingAlerts[seq].map { alert in
                .with {
                    $0.seq = alert.seq; $0.raisedAtUs = alert.raisedAtMicros; $0.runID = alert.runID; $0.workflow = alert.workflow
                    $0.owner = alert.owner; $0.task = alert.task; $0.kind = alert.kind.rawValue; $0.message = alert.message
                    $0.attempts = alert.attempts; $0.targets = alert.targets; $0.finalTargets = alert.finalTargets.sorted()
                    let retrying = alert.retries.keys.sorted()
                    $0.retryTargets = retrying
                    $0.retryAttempts = retrying.map { alert.retries[$0]?.attempts ?? 0 }
                    $0.retryNextUs = retrying.map { alert.retries[$0]?.nextAttemptMicros ?? 0 }
                }
            }
        }
        snapshot.connections = state.connections.keys.sorted().compactMap { name in
            state.connections[name].map { connection in
                .with {
                    $0.name = name
                    $0.recentDispatchesUs = connection.recentDispatches
                    $0.throttledUntilUs = connection.throttledUntilMicros
                    $0.queue = connection.queue.inArrivalOrder().map { ref in .with { $0.run = ref.run; $0.index = UInt32(ref.index) } }
                    $0.held = connection.held.inArrivalOrder().map { ref in .with { $0.run = ref.run; $0.index = UInt32(ref.index) } }
                }
            }
        }
        do {
            return try snapshot.serializedBytes()
        } catch {
            preconditionFailure("encode snapshot at \(state.lastSeq): \(error)")
        }
    }

    /// The projection stored in `bytes`.
    /// - Throws: `StateError` (with the snapshot's sequence number) when it does not decode or fit.
    public static func decode(_ bytes: [UInt8]) throws(StateError) -> EngineState {
        let snapshot: Baton_V1_Snapshot
        do {
            snapshot = try Baton_V1_Snapshot(serializedBytes: bytes)
        } catch {
            throw StateError(seq: 0, reason: "snapshot does not decode: \(error)")
        }
        var state = EngineState()
        for definition in snapshot.definitions {
            try state.restoreDefinition(hash: definition.hashHex, workflow: definition.workflow, source: definition.source,
                                        path: definition.sourcePath, seq: snapshot.seq)
        }
        state.restoreLatest(snapshot.latestDefinition)
        if snapshot.hasConnectionsRegistry {
            let version = snapshot.connectionsRegistry
            try state.restoreRegistry(hashHex: version.contentHashHex, source: version.definition, path: version.sourcePath, seq: snapshot.seq)
        }
        for run in snapshot.runs { try state.restoreRun(try decode(run, state, seq: snapshot.seq)) }
        let definitions = state
        let restored = inParallel(snapshot.runBlobs.count) { index -> Result<RunState, StateError> in
            do {
                return .success(try decode(try Baton_V1_SnapshotRun(serializedBytes: snapshot.runBlobs[index]), definitions, seq: snapshot.seq))
            } catch let error as StateError {
                return .failure(error)
            } catch {
                return .failure(StateError(seq: snapshot.seq, reason: "snapshot run \(index) does not decode: \(error)"))
            }
        }
        for run in restored { try state.restoreRun(try run.get()) }
        for connection in snapshot.connections {
            state.restoreConnection(connection.name, recent: connection.recentDispatchesUs, throttledUntil: connection.throttledUntilUs,
                                    queue: connection.queue.map { TaskRef(run: $0.run, index: Int($0.index)) },
                                    held: connection.held.map { TaskRef(run: $0.run, index: Int($0.index)) })
        }
        state.restoreFirstRegistered(snapshot.firstRegisteredUs)
        for fire in snapshot.scheduleFires {
            state.restoreScheduleFire(fire.workflow, ScheduleFire(logicalDateMicros: fire.logicalDateUs, intervalEndMicros: fire.intervalEndUs, runID: fire.runID))
        }
        for alert in snapshot.pendingAlerts {
            guard let kind = PendingAlert.Kind(rawValue: alert.kind) else {
                throw StateError(seq: snapshot.seq, reason: "snapshot alert \(alert.seq) has unknown kind \(alert.kind)")
            }
            guard alert.retryTargets.count == alert.retryAttempts.count, alert.retryTargets.count == alert.retryNextUs.count else {
                throw StateError(seq: snapshot.seq, reason: "snapshot alert \(alert.seq) has mismatched retry columns")
            }
            var retries: [String: PendingAlert.Retry] = [:]
            for (index, target) in alert.retryTargets.enumerated() {
                retries[target] = PendingAlert.Retry(attempts: alert.retryAttempts[index], nextAttemptMicros: alert.retryNextUs[index])
            }
            state.restoreAlert(PendingAlert(seq: alert.seq, raisedAtMicros: alert.raisedAtUs, runID: alert.runID, workflow: alert.workflow,
                                            owner: alert.owner, task: alert.task, kind: kind, message: alert.message, attempts: alert.attempts,
                                            targets: alert.targets, finalTargets: Set(alert.finalTargets), retries: retries))
        }
        state.restorePosition(seq: snapshot.seq, time: snapshot.lastTimeUs)
        return state
    }

    private static func encodeBlob(_ run: RunState, seq: UInt64) -> Data {
        do {
            return try encode(run).serializedBytes()
        } catch {
            preconditionFailure("encode snapshot run \(run.id) at \(seq): \(error)")
        }
    }

    private static func encode(_ run: RunState) -> Baton_V1_SnapshotRun {
        let parts = run.resolution.parts
        return .with {
            $0.id = run.id
            $0.workflowHashHex = run.workflowHash
            $0.params = run.params
            $0.logicalDateUs = run.logicalDateMicros
            $0.trigger = run.trigger
            $0.actor = run.actor
            $0.createdAtUs = run.createdAtMicros
            $0.outcome = run.outcome?.rawValue ?? ""
            $0.finishedAtUs = run.finishedAtMicros ?? 0
            $0.resolutionStarted = parts.isStarted
            $0.resolutionOutcome = parts.runOutcome?.rawValue ?? ""
            if let reason = run.cancelReason { $0.cancelRequested = true; $0.cancelReason = reason }
            $0.taskColumns = SnapshotTaskColumnsCodec.encode(run.tasks, parts)
        }
    }

    private static func decode(_ run: Baton_V1_SnapshotRun, _ state: EngineState, seq: UInt64) throws(StateError) -> RunState {
        guard let workflow = state.definitions[run.workflowHashHex] else {
            throw StateError(seq: seq, reason: "snapshot run \(run.id) names unknown definition \(run.workflowHashHex.prefix(12))")
        }
        var restored = RunState(id: run.id, workflow: workflow, graph: state.graphs[run.workflowHashHex] ?? WorkflowGraph(workflow),
                                workflowHash: run.workflowHashHex, params: run.params, logicalDateMicros: run.logicalDateUs,
                                trigger: run.trigger, actor: run.actor, createdAtMicros: run.createdAtUs)
        let count = restored.graph.count
        var states: [TaskResolutionState] = []
        let satisfied: [Int32]
        let unsatisfied: [Int32]
        if run.tasks.isEmpty {
            // Columns (this build writes these).
            (restored.tasks, states) = try SnapshotTaskColumnsCodec.decode(run.taskColumns, count: count, restored.graph, run: run.id, seq: seq)
            (satisfied, unsatisfied) = (run.taskColumns.satisfiedEdges, run.taskColumns.unsatisfiedEdges)
        } else {
            // One message per task (snapshots of earlier builds).
            guard run.tasks.count == count else {
                throw StateError(seq: seq, reason: "snapshot run \(run.id) has \(run.tasks.count) tasks, its graph \(count)")
            }
            for (index, task) in run.tasks.enumerated() {
                let (record, resolutionState) = try SnapshotTaskCodec.decode(task, restored.graph, seq: seq)
                restored.tasks[index] = record
                states.append(resolutionState)
            }
            (satisfied, unsatisfied) = (run.tasks.map(\.satisfiedEdges), run.tasks.map(\.unsatisfiedEdges))
        }
        let parts = RunResolution.Parts(states: states, satisfiedCounts: satisfied, unsatisfiedCounts: unsatisfied, isStarted: run.resolutionStarted,
                                        runOutcome: RunOutcome(rawValue: run.resolutionOutcome))
        do {
            restored.resolution = try RunResolution(graph: restored.graph, restoring: parts)
        } catch {
            throw StateError(seq: seq, reason: "snapshot run \(run.id): \(error)")
        }
        restored.outcome = RunState.Outcome(rawValue: run.outcome)
        restored.finishedAtMicros = run.outcome.isEmpty ? nil : run.finishedAtUs
        restored.cancelReason = run.cancelRequested ? run.cancelReason : nil
        restored.deriveWorklists()
        return restored
    }

    /// The most threads encoding or decoding runs side by side.
    static let workersMax = 8

    /// `body(0..<count)` computed on up to `workersMax` threads, in index order. Pure work: each
    /// index is computed once, by one thread.
    static func inParallel<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 1 else { return (0..<count).map(body) }
        let workers = min(workersMax, max(1, ProcessInfo.processInfo.activeProcessorCount), count)
        let slots = ParallelSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in (worker * count / workers)..<((worker + 1) * count / workers) { slots.set(index, body(index)) }
        }
        return slots.values()
    }
}

/// Result slots filled by parallel workers.
private final class ParallelSlots<T: Sendable>: @unchecked Sendable {
    // Safety: every index is written by exactly one worker, and `values` runs only after
    // `concurrentPerform` returned, which orders all writes before the reads.
    private var slots: [T?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) { slots.withUnsafeMutableBufferPointer { $0[index] = value } }

    func values() -> [T] {
        slots.map { value in
            guard let value else { preconditionFailure("parallel slot left empty") }
            return value
        }
    }
}
