public import BatonLog
import BatonEvents
import BatonState

/// What `compact` did: runs expired, the snapshot it archived up to, and the log's report.
public struct CompactionOutcome: Sendable, Equatable {
    /// Finished runs that left the projections through `RunsExpired`.
    public var expiredRuns: Int
    /// The snapshot written first; every event up to it was archived.
    public var snapshotSeq: UInt64
    /// What moved to the archive and out of the live log.
    public var log: CompactionReport
}

extension Runtime {
    /// The most run IDs one `RunsExpired` event lists.
    public static let expiredRunsPerEventMax = 5_000

    /// Finished runs whose finish is older than `retainMicros` before now leave the projections
    /// through `RunsExpired` events (so replay stays exact). Returns how many.
    /// - Throws: `EngineError`.
    public func expireRuns(olderThanMicros retainMicros: Int64, actor: String) async throws(EngineError) -> Int {
        try catchUpAndWake()
        let cutoff = clock.nowMicros() - retainMicros
        let expired = core.state.runs.values
            .filter { $0.outcome != nil && ($0.finishedAtMicros ?? .max) < cutoff }
            .map(\.id).sorted()
        var start = 0
        while start < expired.count {
            let ids = Array(expired[start..<min(start + Self.expiredRunsPerEventMax, expired.count)])
            let event = Baton_V1_Event.with {
                $0.actor = actor
                $0.runsExpired = .with { $0.runIds = ids; $0.finishedBeforeUs = cutoff }
            }
            _ = try await core.commit([event]) { now in DecisionContext(now: now, scanDeadlines: false) }
            start += ids.count
        }
        wake()
        return expired.count
    }

    /// The maintenance pass of `baton compact`: expires old finished runs (when `retainMicros`
    /// is given), writes a snapshot of the head, and moves every event up to that snapshot into
    /// sealed segments in `archive`, then out of the live log. Safe while others append.
    /// - Throws: `EngineError`, `LogError` or `ArchiveError`.
    public func compact(archive: String, retainMicros: Int64?, segmentBytesMax: Int = 64 << 20,
                        pruneChunkEvents: UInt64 = EventLog.pruneChunkEventsMax, actor: String,
                        progress: (CompactionStep) -> Void = { _ in }) async throws -> CompactionOutcome {
        try catchUpAndWake()
        guard core.state.lastSeq > 0 else { return CompactionOutcome(expiredRuns: 0, snapshotSeq: 0, log: CompactionReport()) }
        var expired = 0
        if let retainMicros { expired = try await expireRuns(olderThanMicros: retainMicros, actor: actor) }
        let seq = try await core.writeSnapshot()
        let report = try await core.log.compact(through: seq, archive: archive, segmentBytesMax: segmentBytesMax,
                                                 pruneChunkEvents: pruneChunkEvents, progress: progress)
        return CompactionOutcome(expiredRuns: expired, snapshotSeq: seq, log: report)
    }
}
