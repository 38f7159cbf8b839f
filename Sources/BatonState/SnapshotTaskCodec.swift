import BatonEvents
import BatonModel

/// One task record and its resolution state, to and from a snapshot.
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
