/// Writes one group commit: catches up to the chain tip inside the write transaction, runs
/// decide closures, links and appends every payload, commits with fsync.
struct BatchWriter: Sendable {
    let environment: LMDBEnvironment
    let clock: any LogClock

    /// The largest single event the log accepts.
    static let eventBytesMax = 16 << 20

    var path: String { environment.path }

    func growMap() throws(LogError) { try environment.grow() }

    /// Runs every request of the batch in one write transaction.
    /// - Returns: one result per request, and the head after the commit.
    /// - Throws: when the whole transaction failed (disk full, map full, ...); nothing was written.
    func write(_ works: [AppendRequest.Work]) throws(LogError) -> ([Result<AppendReceipt, LogError>], UInt64) {
        let events = environment.events
        let meta = environment.meta
        return try environment.write { (txn) throws(LogError) in
            var tip = try ChainTip.read(txn, events: events, meta: meta)
            // Event time never goes backwards, even when the wall clock does.
            let time = max(clock.nowMicros(), tip.timeMicros)
            var results: [Result<AppendReceipt, LogError>] = []
            results.reserveCapacity(works.count)
            for work in works {
                let payloads: [[UInt8]]
                switch work {
                case .payloads(let given):
                    payloads = given
                case .decide(let body):
                    let view = LogWriteView(transaction: txn, events: events, head: tip.seq, firstSeq: try ChainTip.floor(txn, meta: meta).firstSeq, timeMicros: time)
                    defer { view.invalidate() }
                    do {
                        payloads = try body(view)
                    } catch {
                        results.append(.failure(.decisionFailed(path: path, reason: String(describing: error))))
                        continue
                    }
                case .snapshot(let seq, let payload):
                    results.append(try SnapshotStore.put(txn, environment, seq: seq, payload: payload, tip: tip, time: time))
                    continue
                case .prune(let through, let chunk, let archive):
                    results.append(try Pruner.prune(txn, environment, through: through, chunk: chunk, archive: archive, tip: tip, time: time))
                    continue
                }
                if let tooLarge = payloads.first(where: { $0.count > Self.eventBytesMax }) {
                    results.append(.failure(.eventTooLarge(path: path, bytes: tooLarge.count, limit: Self.eventBytesMax)))
                    continue
                }
                let first = tip.seq + 1
                for payload in payloads {
                    tip = try append(payload, after: tip, time: time, txn, events)
                }
                results.append(.success(AppendReceipt(firstSeq: first, lastSeq: tip.seq, timeMicros: time)))
            }
            return (results, tip.seq)
        }
    }

    private func append(_ payload: [UInt8], after tip: ChainTip, time: Int64, _ txn: Transaction, _ events: UInt32) throws(LogError) -> ChainTip {
        let seq = tip.seq + 1
        let hash = ChainHash.link(previous: tip.hash, seq: seq, timeMicros: time, payload: payload)
        let buffer = try txn.reserveAppend(events, seq: seq, size: LogRecord.headerSize + payload.count)
        LogRecord.encode(hash: hash, timeMicros: time, payload: payload, into: buffer)
        return ChainTip(seq: seq, hash: hash, timeMicros: time)
    }
}
