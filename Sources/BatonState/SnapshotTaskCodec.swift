import BatonEvents
import BatonModel

/// One task record and its resolution state, to and from a snapshot, one message per task: the
/// layout of earlier builds. Start-up still reads it; this build writes columns
/// (`SnapshotTaskColumnsCodec`) and keeps `encode` for the tests of reading old snapshots.
enum SnapshotTaskCodec {
    static func encode(_ task: TaskRecord, _ parts: RunResolution.Parts, _ index: Int) -> Baton_V1_SnapshotTask {
        .with {
            $0.status = task.status.rawValue
            $0.attempt = task.attempt
            $0.attemptsBeforeClear = task.attemptsBeforeClear
            $0.platformRunIds = task.platformRunIDs
            if let claim = task.claim {
                $0.hasClaim_p = true
                $0.claimDispatcherID = claim.dispatcherID
                $0.claimIdempotencyKey = claim.idempotencyKey
                $0.claimConnection = claim.connection
                $0.claimLeaseDeadlineUs = claim.leaseDeadlineMicros
                $0.claimClaimedAtUs = claim.claimedAtMicros
            }
            if let at = task.dispatchedAtMicros { $0.hasDispatchedAt_p = true; $0.dispatchedAtUs = at }
            if let at = task.retryNotBeforeMicros { $0.hasRetryNotBefore_p = true; $0.retryNotBeforeUs = at }
            $0.outputJson = task.outputJSON
            if let failure = task.lastFailure {
                $0.hasFailure_p = true
                $0.failureClass = failure.errorClass
                $0.failureMessage = failure.message
                $0.failureRetryable = failure.retryable
            }
            if let skip = task.skipReason { $0.hasSkipReason_p = true; $0.skipReason = skip }
            if let at = task.queuedAtMicros { $0.hasQueuedAt_p = true; $0.queuedAtUs = at }
            $0.satisfiedEdges = parts.satisfiedCounts[index]
            $0.unsatisfiedEdges = parts.unsatisfiedCounts[index]
            switch parts.states[index] {
            case .pending: $0.resolutionState = "pending"
            case .ready: $0.resolutionState = "ready"
            case .succeeded: $0.resolutionState = "succeeded"
            case .failed: $0.resolutionState = "failed"
            case .skipped(let reason):
                $0.resolutionState = "skipped"
                $0.skipUpstream = UInt32(reason.upstream.rawValue)
                $0.skipCondition = reason.condition.rawValue
                $0.skipUpstreamState = reason.upstreamState.rawValue
            }
        }
    }

    static func decode(_ task: Baton_V1_SnapshotTask, _ graph: WorkflowGraph, seq: UInt64) throws(StateError) -> (TaskRecord, TaskResolutionState) {
        guard let status = TaskStatus(rawValue: task.status) else {
            throw StateError(seq: seq, reason: "snapshot task has unknown status \(task.status)")
        }
        var record = TaskRecord()
        record.status = status
        record.attempt = task.attempt
        record.attemptsBeforeClear = task.attemptsBeforeClear
        record.platformRunIDs = task.platformRunIds
        if task.hasClaim_p {
            record.claim = .init(dispatcherID: task.claimDispatcherID, idempotencyKey: task.claimIdempotencyKey, connection: task.claimConnection,
                                 leaseDeadlineMicros: task.claimLeaseDeadlineUs, claimedAtMicros: task.claimClaimedAtUs)
        }
        record.dispatchedAtMicros = task.hasDispatchedAt_p ? task.dispatchedAtUs : nil
        record.retryNotBeforeMicros = task.hasRetryNotBefore_p ? task.retryNotBeforeUs : nil
        record.outputJSON = task.outputJson
        if task.hasFailure_p {
            record.lastFailure = .init(errorClass: task.failureClass, message: task.failureMessage, retryable: task.failureRetryable)
        }
        record.skipReason = task.hasSkipReason_p ? task.skipReason : nil
        record.queuedAtMicros = task.hasQueuedAt_p ? task.queuedAtUs : nil
        let resolution: TaskResolutionState
        switch task.resolutionState {
        case "pending": resolution = .pending
        case "ready": resolution = .ready
        case "succeeded": resolution = .succeeded
        case "failed": resolution = .failed
        case "skipped":
            guard Int(task.skipUpstream) < graph.count, let condition = EdgeCondition(rawValue: task.skipCondition),
                  let upstreamState = TerminalState(rawValue: task.skipUpstreamState) else {
                throw StateError(seq: seq, reason: "snapshot task has a malformed skip reason")
            }
            resolution = .skipped(SkipReason(upstream: TaskIndex(Int(task.skipUpstream)), condition: condition, upstreamState: upstreamState))
        default:
            throw StateError(seq: seq, reason: "snapshot task has unknown resolution state \(task.resolutionState)")
        }
        return (record, resolution)
    }
}

/// A run's task records and the states of its resolution, as columns (`SnapshotTaskColumns`).
enum SnapshotTaskColumnsCodec {
    /// Status codes by `SnapshotTaskColumns.status` value; the order is part of the format.
    /// Codes are positions here: append, never reorder.
    static let statuses: [TaskStatus] = [.pending, .queued, .claimed, .running, .retryWait, .succeeded, .failed, .skipped, .cancelled, .held]
    private static let statusCodes: [TaskStatus: UInt32] = Dictionary(uniqueKeysWithValues: statuses.enumerated().map { ($1, UInt32($0)) })

    /// The columns of `tasks`. Built in local arrays and moved into the message once: the
    /// generated message keeps its fields in a shared storage object without in-place
    /// modification, so appending to a field copies the whole column each time (quadratic).
    static func encode(_ tasks: [TaskRecord], _ parts: RunResolution.Parts) -> Baton_V1_SnapshotTaskColumns {
        var status: [UInt32] = [], attempt: [UInt32] = [], beforeClear: [UInt32] = [], idCounts: [UInt32] = [], ids: [String] = []
        var resolution: [UInt32] = [], satisfied: [Int32] = [], unsatisfied: [Int32] = []
        status.reserveCapacity(tasks.count)
        attempt.reserveCapacity(tasks.count)
        beforeClear.reserveCapacity(tasks.count)
        idCounts.reserveCapacity(tasks.count)
        ids.reserveCapacity(tasks.count)
        resolution.reserveCapacity(tasks.count)
        var queuedTasks: [UInt32] = [], queuedAt: [Int64] = [], dispatchedTasks: [UInt32] = [], dispatchedAt: [Int64] = []
        var retryTasks: [UInt32] = [], retryAt: [Int64] = [], outputTasks: [UInt32] = [], outputs: [String] = []
        var skipReasonTasks: [UInt32] = [], skipReasons: [String] = []
        var failureTasks: [UInt32] = [], failureClass: [String] = [], failureMessage: [String] = [], failureRetryable: [Bool] = []
        var claimTasks: [UInt32] = [], claimDispatcher: [String] = [], claimKey: [String] = [], claimConnection: [String] = []
        var claimLease: [Int64] = [], claimAt: [Int64] = []
        var skipTasks: [UInt32] = [], skipUpstream: [UInt32] = [], skipCondition: [String] = [], skipUpstreamState: [String] = []
        for (index, task) in tasks.enumerated() {
            let at = UInt32(index)
            status.append(statusCodes[task.status] ?? 0)
            attempt.append(task.attempt)
            beforeClear.append(task.attemptsBeforeClear)
            idCounts.append(UInt32(task.platformRunIDs.count))
            ids += task.platformRunIDs
            if let time = task.queuedAtMicros { queuedTasks.append(at); queuedAt.append(time) }
            if let time = task.dispatchedAtMicros { dispatchedTasks.append(at); dispatchedAt.append(time) }
            if let time = task.retryNotBeforeMicros { retryTasks.append(at); retryAt.append(time) }
            if !task.outputJSON.isEmpty { outputTasks.append(at); outputs.append(task.outputJSON) }
            if let reason = task.skipReason { skipReasonTasks.append(at); skipReasons.append(reason) }
            if let failure = task.lastFailure {
                failureTasks.append(at)
                failureClass.append(failure.errorClass)
                failureMessage.append(failure.message)
                failureRetryable.append(failure.retryable)
            }
            if let claim = task.claim {
                claimTasks.append(at)
                claimDispatcher.append(claim.dispatcherID)
                claimKey.append(claim.idempotencyKey)
                claimConnection.append(claim.connection)
                claimLease.append(claim.leaseDeadlineMicros)
                claimAt.append(claim.claimedAtMicros)
            }
            satisfied.append(parts.satisfiedCounts[index])
            unsatisfied.append(parts.unsatisfiedCounts[index])
            switch parts.states[index] {
            case .pending: resolution.append(0)
            case .ready: resolution.append(1)
            case .succeeded: resolution.append(2)
            case .failed: resolution.append(3)
            case .skipped(let reason):
                resolution.append(4)
                skipTasks.append(at)
                skipUpstream.append(UInt32(reason.upstream.rawValue))
                skipCondition.append(reason.condition.rawValue)
                skipUpstreamState.append(reason.upstreamState.rawValue)
            }
        }
        return .with {
            $0.status = status; $0.attempt = attempt; $0.attemptsBeforeClear = beforeClear
            $0.platformRunIDCounts = idCounts; $0.platformRunIds = ids
            $0.resolutionState = resolution; $0.satisfiedEdges = satisfied; $0.unsatisfiedEdges = unsatisfied
            $0.queuedAtTasks = queuedTasks; $0.queuedAtUs = queuedAt; $0.dispatchedAtTasks = dispatchedTasks; $0.dispatchedAtUs = dispatchedAt
            $0.retryNotBeforeTasks = retryTasks; $0.retryNotBeforeUs = retryAt; $0.outputTasks = outputTasks; $0.outputJson = outputs
            $0.skipReasonTasks = skipReasonTasks; $0.skipReason = skipReasons
            $0.failureTasks = failureTasks; $0.failureClass = failureClass; $0.failureMessage = failureMessage; $0.failureRetryable = failureRetryable
            $0.claimTasks = claimTasks; $0.claimDispatcherID = claimDispatcher; $0.claimIdempotencyKey = claimKey
            $0.claimConnection = claimConnection; $0.claimLeaseDeadlineUs = claimLease; $0.claimClaimedAtUs = claimAt
            $0.resolutionSkipTasks = skipTasks; $0.skipUpstream = skipUpstream; $0.skipCondition = skipCondition
            $0.skipUpstreamState = skipUpstreamState
        }
    }

    /// The `count` task records and resolution parts stored in `c`.
    /// - Throws: `StateError` naming the column that does not fit.
    static func decode(_ c: Baton_V1_SnapshotTaskColumns, count: Int, _ graph: WorkflowGraph, run: String, seq: UInt64) throws(StateError)
        -> (records: [TaskRecord], states: [TaskResolutionState]) {
        func fail(_ what: String) -> StateError { StateError(seq: seq, reason: "snapshot run \(run): task column \(what) does not fit its \(count) tasks") }
        let dense = [c.status.count, c.attempt.count, c.attemptsBeforeClear.count, c.platformRunIDCounts.count, c.resolutionState.count,
                     c.satisfiedEdges.count, c.unsatisfiedEdges.count]
        guard dense.allSatisfy({ $0 == count }) else { throw fail("lengths \(dense)") }
        var records = [TaskRecord](repeating: TaskRecord(), count: count)
        var states = [TaskResolutionState](repeating: .pending, count: count)
        var idOffset = 0
        for index in 0..<count {
            guard Int(c.status[index]) < statuses.count else { throw fail("status") }
            records[index].status = statuses[Int(c.status[index])]
            records[index].attempt = c.attempt[index]
            records[index].attemptsBeforeClear = c.attemptsBeforeClear[index]
            let ids = Int(c.platformRunIDCounts[index])
            guard idOffset + ids <= c.platformRunIds.count else { throw fail("platform_run_ids") }
            if ids > 0 { records[index].platformRunIDs = Array(c.platformRunIds[idOffset..<(idOffset + ids)]) }
            idOffset += ids
            switch c.resolutionState[index] {
            case 0: states[index] = .pending
            case 1: states[index] = .ready
            case 2: states[index] = .succeeded
            case 3: states[index] = .failed
            case 4: break  // set from the skip columns below
            default: throw fail("resolution_state")
            }
        }
        guard idOffset == c.platformRunIds.count else { throw fail("platform_run_ids") }
        /// Each listed task (ascending, in range) with its entry.
        func sparse(_ tasks: [UInt32], _ valueCount: Int, _ name: String, _ body: (Int, Int) throws(StateError) -> Void) throws(StateError) {
            guard tasks.count == valueCount else { throw fail(name) }
            var previous = -1
            for (entry, task) in tasks.enumerated() {
                guard Int(task) > previous, Int(task) < count else { throw fail(name) }
                previous = Int(task)
                try body(previous, entry)
            }
        }
        try sparse(c.queuedAtTasks, c.queuedAtUs.count, "queued_at") { records[$0].queuedAtMicros = c.queuedAtUs[$1] }
        try sparse(c.dispatchedAtTasks, c.dispatchedAtUs.count, "dispatched_at") { records[$0].dispatchedAtMicros = c.dispatchedAtUs[$1] }
        try sparse(c.retryNotBeforeTasks, c.retryNotBeforeUs.count, "retry_not_before") { records[$0].retryNotBeforeMicros = c.retryNotBeforeUs[$1] }
        try sparse(c.outputTasks, c.outputJson.count, "output") { records[$0].outputJSON = c.outputJson[$1] }
        try sparse(c.skipReasonTasks, c.skipReason.count, "skip_reason") { records[$0].skipReason = c.skipReason[$1] }
        guard c.failureClass.count == c.failureMessage.count, c.failureClass.count == c.failureRetryable.count else { throw fail("failure") }
        try sparse(c.failureTasks, c.failureClass.count, "failure") {
            records[$0].lastFailure = .init(errorClass: c.failureClass[$1], message: c.failureMessage[$1], retryable: c.failureRetryable[$1])
        }
        let claims = [c.claimDispatcherID.count, c.claimIdempotencyKey.count, c.claimConnection.count, c.claimLeaseDeadlineUs.count, c.claimClaimedAtUs.count]
        guard claims.allSatisfy({ $0 == c.claimTasks.count }) else { throw fail("claim") }
        try sparse(c.claimTasks, c.claimDispatcherID.count, "claim") {
            records[$0].claim = .init(dispatcherID: c.claimDispatcherID[$1], idempotencyKey: c.claimIdempotencyKey[$1], connection: c.claimConnection[$1],
                                      leaseDeadlineMicros: c.claimLeaseDeadlineUs[$1], claimedAtMicros: c.claimClaimedAtUs[$1])
        }
        guard c.skipUpstream.count == c.skipCondition.count, c.skipUpstream.count == c.skipUpstreamState.count else { throw fail("skip") }
        var skipped = 0
        try sparse(c.resolutionSkipTasks, c.skipUpstream.count, "skip") { (task, entry) throws(StateError) in
            guard c.resolutionState[task] == 4, Int(c.skipUpstream[entry]) < graph.count,
                  let condition = EdgeCondition(rawValue: c.skipCondition[entry]),
                  let upstreamState = TerminalState(rawValue: c.skipUpstreamState[entry]) else { throw fail("skip") }
            states[task] = .skipped(SkipReason(upstream: TaskIndex(Int(c.skipUpstream[entry])), condition: condition, upstreamState: upstreamState))
            skipped += 1
        }
        guard skipped == c.resolutionState.lazy.filter({ $0 == 4 }).count else { throw fail("skip") }
        return (records, states)
    }
}
