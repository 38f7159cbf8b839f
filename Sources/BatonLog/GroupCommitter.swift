import Foundation

/// One caller's part of a group commit.
struct AppendRequest: Sendable {
    enum Work: Sendable {
        /// Append these payloads as they are.
        case payloads([[UInt8]])
        /// Catch up inside the write transaction, then append what the closure returns.
        case decide(@Sendable (LogWriteView) throws -> [[UInt8]])
        /// Store a snapshot of the projections as of `seq` (appends no event).
        case snapshot(seq: UInt64, payload: [UInt8])
        /// Remove one chunk of at most `chunk` archived events (at most through `through`) from
        /// the live log, moving the floor and recording the archive directory (appends no event).
        case prune(through: UInt64, chunk: UInt64, archive: String)
    }

    let work: Work
    let completion: CheckedContinuation<Result<AppendReceipt, LogError>, Never>
}

/// Batches concurrent appends into one write transaction on a dedicated thread.
///
/// A dedicated OS thread rather than an actor: LMDB ties a write transaction to the thread that
/// began it, and an fsync must not block one of the few cooperative-pool threads. While one
/// batch commits, new requests queue up and become the next batch, so throughput rises with the
/// number of concurrent callers while every caller still resumes only after its fsync.
final class GroupCommitter: @unchecked Sendable {
    // Safety: `pending`, `isClosing` and `isFinished` are touched only with `condition` locked.
    // The write transaction lives entirely inside `commit`, which runs only on the writer thread.
    private let condition = NSCondition()
    private var pending: [AppendRequest] = []
    private var isClosing = false
    private var isFinished = false
    private let writer: BatchWriter
    private let onCommit: @Sendable (UInt64) -> Void

    /// The most requests folded into one write transaction.
    static let batchRequestsMax = 4_096
    /// The most times one batch grows the map and tries again.
    static let mapGrowthsPerBatchMax = 24

    init(writer: BatchWriter, onCommit: @escaping @Sendable (UInt64) -> Void) {
        self.writer = writer
        self.onCommit = onCommit
        let thread = Thread { [self] in self.run() }
        thread.name = "baton-log-writer"
        thread.start()
    }

    /// Queues a request; its continuation resumes after the commit (or its failure).
    func submit(_ request: AppendRequest) {
        condition.lock()
        if isClosing {
            condition.unlock()
            request.completion.resume(returning: .failure(.closed(path: writer.path)))
            return
        }
        pending.append(request)
        condition.signal()
        condition.unlock()
    }

    /// Stops taking requests, commits the ones already queued, and waits for the thread to end.
    func close() {
        condition.lock()
        isClosing = true
        condition.broadcast()
        while !isFinished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while let batch = nextBatch() {
            let results = commit(batch)
            for (request, result) in zip(batch, results) {
                request.completion.resume(returning: result)
            }
        }
    }

    /// Waits for work; nil once closing with nothing left.
    private func nextBatch() -> [AppendRequest]? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty && !isClosing { condition.wait() }
        if pending.isEmpty {
            isFinished = true
            condition.broadcast()
            return nil
        }
        let count = min(pending.count, Self.batchRequestsMax)
        let batch = Array(pending.prefix(count))
        pending.removeFirst(count)
        return batch
    }

    /// Commits one batch, growing the map and retrying when LMDB reports it full.
    private func commit(_ batch: [AppendRequest]) -> [Result<AppendReceipt, LogError>] {
        var growths = 0
        while true {
            do {
                let (results, head) = try writer.write(batch.map(\.work))
                // A batch that appended nothing committed an empty transaction, which LMDB
                // finishes without writing or syncing; only real commits are reported.
                if results.contains(where: { (try? $0.get().count) ?? 0 > 0 }) { onCommit(head) }
                return results
            } catch let error where error.isMapFull && growths < Self.mapGrowthsPerBatchMax {
                growths += 1
                do {
                    try writer.growMap()
                } catch {
                    return batch.map { _ in .failure(error) }
                }
            } catch {
                return batch.map { _ in .failure(error) }
            }
        }
    }
}

extension LogError {
    /// LMDB said the map is full: grow it and try again.
    var isMapFull: Bool {
        if case .lmdb(_, _, let code, _) = self { return code == -30792 }
        return false
    }
}
