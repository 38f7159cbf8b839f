import BatonEvents
import BatonLog
import BatonState
import Synchronization

/// The projection as this process knows it, kept equal to the log by catching up inside every
/// write transaction ("decide inside the lock").
final class EngineCore: Sendable {
    private struct Inner: Sendable {
        var state = EngineState()
        /// The payload of the last event applied, to notice when speculative events of a failed
        /// commit were replaced in the log by someone else's.
        var lastPayload: [UInt8] = []
    }

    let log: EventLog
    private let inner = Mutex(Inner())

    init(log: EventLog) { self.log = log }

    /// A copy of the projection (cheap: copy-on-write).
    var state: EngineState { inner.withLock { $0.state } }

    /// What one commit appended and decided.
    struct CommitResult: Sendable {
        var events: [Baton_V1_Event] = []
        var timeMicros: Int64 = 0
        /// The projection right after `events`: effects planned from them must read this, not
        /// the current state, which a commit from outside the loop may already have moved on
        /// (a claim's attempt reset, a run cancelled).
        var state = EngineState()
    }

    /// The most decision rounds one commit runs (each round applies the previous one's events).
    static let decisionRoundsMax = 8

    /// Catches up, admits `observations` that still apply, runs the decider until it is quiet,
    /// and appends it all in one durable write transaction.
    /// - Throws: `EngineError.log` when the append failed (nothing of it was written).
    func commit(_ observations: [Baton_V1_Event], context: @escaping @Sendable (Int64) -> DecisionContext) async throws(EngineError) -> CommitResult {
        let box = Mutex(CommitResult())
        for attempt in 1...2 {
            do {
                let started = ContinuousClock.now
                _ = try await log.append(deciding: { [self] view in
                    let result = try decide(view, observations, context)
                    box.withLock { $0 = result }
                    return result.events.map(EventCodec.encode)
                })
                EngineMetrics.committed(box.withLock { $0.events }, after: ContinuousClock.now - started)
                break
            } catch {
                // A projection that must be rebuilt from a compacted log cannot be rebuilt inside
                // the write transaction: reload it (snapshot + tail) outside, then decide again.
                guard attempt == 1, inner.withLock({ $0.state.lastSeq == 0 }), (try? log.firstSeq()) ?? 1 > 1 else {
                    dropSpeculation()
                    throw .log(error)
                }
                try catchUp()
            }
        }
        return box.withLock { $0 }
    }

    /// After a failed append (a full disk) the projection holds the events decided for it, which
    /// the log does not: reload it from the log, so no reader (the API, the next decision) sees
    /// work that was never recorded. If that read fails too, the projection stays empty and the
    /// next commit rebuilds it inside the lock.
    private func dropSpeculation() {
        guard let head = try? log.head(), inner.withLock({ $0.state.lastSeq > head }) else { return }
        inner.withLock { $0 = Inner() }
        do {
            try catchUp()
        } catch {
            inner.withLock { $0 = Inner() }
        }
    }

    /// Start-up recovery: loads the newest snapshot that verifies, then reads, verifies and
    /// applies the tail up to the log's head (pages verified and decoded on worker threads,
    /// applied here in order). Returns the snapshots it had to skip, and why.
    /// - Throws: `EngineError.corruptHistory` naming the first bad sequence number.
    @discardableResult
    func catchUp(useSnapshots: Bool = true) throws(EngineError) -> [String] {
        // A compaction running beside this may move the live log's floor past where the replay
        // started reading; that is no damage, so start again from the newer snapshot.
        for attempt in 1...Self.catchUpAttemptsMax {
            let floor = (try? log.firstSeq()) ?? 1
            do {
                return try inner.withLock { inner in try catchUp(&inner, useSnapshots: useSnapshots) }
            } catch {
                let moved = ((try? log.firstSeq()) ?? floor) != floor
                guard moved, attempt < Self.catchUpAttemptsMax else {
                    if let error = error as? EngineError { throw error }
                    throw .corruptHistory(String(describing: error))
                }
                inner.withLock { $0 = Inner() }
            }
        }
        preconditionFailure("catch-up attempts exhausted without an outcome")
    }

    /// How often start-up starts over because a compaction moved the floor under it.
    static let catchUpAttemptsMax = 4

    private func catchUp(_ inner: inout Inner, useSnapshots: Bool) throws -> [String] {
        var skipped: [String] = []
        let head = try log.head()
        // Ahead of the committed head means a commit of this process is between its decision and
        // its fsync: those events are about to be durable (a failed commit drops its own, see
        // `dropSpeculation`). Throwing the projection away here would hide them from readers
        // until the next commit and cost a full reload on every catch-up under load.
        if inner.state.lastSeq > head { return skipped }
        if inner.state.lastSeq == 0 && useSnapshots { skipped = try loadSnapshot(into: &inner, head: head) }
        if inner.state.lastSeq < head {
            // Events before the live log's floor are read from the archive.
            let report = try log.replay(from: inner.state.lastSeq + 1, transform: { seq, _, payload in
                try EventCodec.decode(payload, seq: seq)
            }, consume: { record, event in
                try inner.state.apply(event, seq: record.seq, timeMicros: record.timeMicros)
            })
            if let bad = report.firstBreak { throw EngineError.corruptHistory("the log's chain is broken at \(bad)") }
        }
        let applied = inner.state.lastSeq
        inner.lastPayload = applied >= (try log.firstSeq()) ? try log.read(from: applied, limit: 1).first?.payload ?? [] : []
        return skipped
    }

    /// The newest snapshot that verifies becomes the projection; the ones that do not are
    /// skipped (never trusted) and reported.
    private func loadSnapshot(into inner: inout Inner, head: UInt64) throws -> [String] {
        var skipped: [String] = []
        for seq in try log.snapshotSeqs() where seq <= head {
            switch try log.snapshot(at: seq) {
            case .failure(let problem):
                skipped.append(problem.description)
            case .success(let stored):
                do {
                    let state = try SnapshotCodec.decode(stored.payload)
                    guard state.lastSeq == seq else {
                        skipped.append("snapshot at seq \(seq): it holds the state of seq \(state.lastSeq)")
                        continue
                    }
                    inner.state = state
                    return skipped
                } catch {
                    skipped.append("snapshot at seq \(seq): \(error)")
                }
            }
        }
        return skipped
    }

    /// Stores a snapshot of the projection as it is now (after catching up).
    /// - Returns: the sequence number the snapshot describes.
    func writeSnapshot() async throws(EngineError) -> UInt64 {
        try catchUp()
        let (seq, payload) = inner.withLock { ($0.state.lastSeq, SnapshotCodec.encode($0.state)) }
        do {
            try await log.writeSnapshot(seq: seq, payload: payload)
        } catch {
            throw .log(error)
        }
        let hash = try? log.previousLink(before: seq + 1).hash
        let written = Baton_V1_Event.with {
            $0.actor = "engine"
            $0.snapshotWritten = .with { $0.seq = seq; $0.hash = .init(hash?.bytes ?? []); $0.formatVersion = 1 }
        }
        _ = try await commit([written]) { now in DecisionContext(now: now, scanDeadlines: false) }
        return seq
    }

    private func decide(_ view: LogWriteView, _ observations: [Baton_V1_Event], _ context: @Sendable (Int64) -> DecisionContext) throws -> CommitResult {
        try inner.withLock { inner in
            try Self.catchUp(&inner, view)
            var result = CommitResult(timeMicros: view.timeMicros)
            var seq = view.head
            func append(_ event: Baton_V1_Event) throws {
                seq += 1
                try inner.state.apply(event, seq: seq, timeMicros: view.timeMicros)
                inner.lastPayload = EventCodec.encode(event)
                result.events.append(event)
            }
            // A refused ScheduleFired takes the RunCreated it names with it.
            var refusedRuns: Set<String> = []
            for event in observations {
                if case .runCreated = event.body, refusedRuns.contains(event.runID) { continue }
                if Admission.admits(event, inner.state) {
                    try append(event)
                } else if case .scheduleFired(let e) = event.body {
                    refusedRuns.insert(e.createdRunID)
                }
            }
            let decisionContext = context(view.timeMicros)
            for _ in 0..<Self.decisionRoundsMax {
                let decided = Decider.decide(inner.state, decisionContext)
                if decided.isEmpty { break }
                for event in decided { try append(event) }
            }
            result.state = inner.state
            return result
        }
    }

    /// Brings the projection to the view's head; rebuilds it when speculative events of a failed
    /// or retried commit are not what the log holds.
    private static func catchUp(_ inner: inout Inner, _ view: LogWriteView) throws {
        let applied = inner.state.lastSeq
        var stale = applied > view.head
        // A projection at the compaction floor came from a snapshot tied to the floor's hash.
        if !stale && applied > 0 && applied >= view.firstSeq {
            let stored = try view.records(from: applied, limit: 1).first?.payload
            stale = stored != inner.lastPayload
        }
        if stale {
            inner = Inner()
            guard view.firstSeq == 1 else { throw EngineError.corruptHistory("the projection must be reloaded from a snapshot of the compacted log") }
        }
        try apply(from: inner.state.lastSeq + 1, through: view.head, &inner) { from, limit in
            try view.records(from: from, limit: limit)
        }
    }

    private static func apply(from start: UInt64, through head: UInt64, _ inner: inout Inner, read: (UInt64, Int) throws -> [LogRecord]) throws {
        var next = max(start, 1)
        while next <= head {
            let page = try read(next, Int(min(head - next + 1, 4096)))
            guard let last = page.last else { break }
            for record in page {
                let event = try EventCodec.decode(record.payload, seq: record.seq)
                try inner.state.apply(event, seq: record.seq, timeMicros: record.timeMicros)
                inner.lastPayload = record.payload
            }
            next = last.seq + 1
        }
    }
}
