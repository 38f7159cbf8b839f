import Foundation

/// What one compaction did.
public struct CompactionReport: Sendable, Equatable {
    /// Events written to new segments this time (0 when an earlier, interrupted compaction had
    /// already archived them).
    public var archivedEvents: UInt64 = 0
    /// The segment files this compaction sealed.
    public var segments: [String] = []
    /// Events removed from the live log.
    public var removedEvents: UInt64 = 0
    /// The first event the live log holds now.
    public var firstLiveSeq: UInt64 = 1
    /// The last event the archive holds now.
    public var archiveLastSeq: UInt64 = 0

    /// A compaction that did nothing.
    public init() {}

    init(firstLiveSeq: UInt64, archiveLastSeq: UInt64) {
        self.firstLiveSeq = firstLiveSeq
        self.archiveLastSeq = archiveLastSeq
    }
}

/// A step of a compaction, for progress output.
public enum CompactionStep: Sendable, Equatable {
    /// A segment holding events through `seq` was sealed.
    case sealed(path: String, throughSeq: UInt64)
    /// The archive's new part was read back and verified.
    case verified(events: UInt64)
    /// The live log now starts at `firstLiveSeq`.
    case pruned(firstLiveSeq: UInt64)
}

extension EventLog {
    /// The most events one prune transaction removes, so appends from other processes wait at
    /// most one short transaction.
    public static let pruneChunkEventsMax: UInt64 = 100_000

    /// Moves the events from the live log's first through `through` into sealed archive segments
    /// in `directory`, verifies them there by replay, and only then removes them from the live
    /// log (moving its floor). Safe while other processes append; two compactions never run at
    /// once. A compaction interrupted at any point is finished by the next: leftover temporary
    /// files are removed, archived events are not archived twice, and pruning resumes.
    /// - Throws: `LogError` (another compaction running, `through` beyond the head, storage),
    ///   `ArchiveError` (the archive is unusable, belongs to another log, or a write failed).
    /// - Complexity: O(events archived); reads them twice (archive, then verify).
    public func compact(through: UInt64, archive directory: String, segmentBytesMax: Int = 64 << 20,
                        pruneChunkEvents: UInt64 = EventLog.pruneChunkEventsMax, progress: (CompactionStep) -> Void = { _ in }) async throws -> CompactionReport {
        let lock = try FileLock.exclusive(directory: path, name: FileLock.compactFile) { [path] _ in
            .directoryUnusable(path: path, reason: "another `baton compact` is working on this log")
        }
        defer { lock.release() }
        let archive = try preparedArchive(directory)
        let floor = try floorMarker()
        let head = try head()
        guard through <= head else { throw LogError.sequenceOutOfRange(path: path, seq: through, first: floor.firstSeq, head: head) }
        let archived = try archive.lastSeq()
        try checkArchiveTie(archive, archived: archived, floor: floor, head: head)
        var report = CompactionReport(firstLiveSeq: floor.firstSeq, archiveLastSeq: archived)
        let from = max(archived + 1, floor.firstSeq)
        if from <= through {
            report.segments = try writeSegments(from: from, through: through, into: archive, segmentBytesMax: segmentBytesMax, progress: progress)
            let check = try archive.replay(from: from, through: through, shape: ReplayShape(width: 2, page: 4096),
                                           transform: { _, _, _ in () }, consume: { _, _ in })
            guard check.isIntact, check.lastSeq == through else {
                throw ArchiveError.broken(path: archive.path, reason: "the segments just written do not verify (\(check.firstBreak?.description ?? "they end at \(check.lastSeq)")); nothing was removed from the live log")
            }
            report.archivedEvents = through - from + 1
            report.archiveLastSeq = through
            progress(.verified(events: report.archivedEvents))
        }
        while try firstSeq() <= through {
            let before = try firstSeq()
            _ = try await submit(.prune(through: through, chunk: max(1, min(pruneChunkEvents, Self.pruneChunkEventsMax)), archive: archive.path))
            let after = try firstSeq()
            guard after > before else { throw ArchiveError.broken(path: path, reason: "pruning made no progress at seq \(before)") }
            report.removedEvents += after - before
            report.firstLiveSeq = after
            progress(.pruned(firstLiveSeq: after))
        }
        return report
    }

    /// The archive in `directory` (made absolute and created), after checking it is the one this
    /// log archives to and removing temporary files a crashed compaction left.
    private func preparedArchive(_ directory: String) throws -> Archive {
        let absolute = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        let normalized = URL(fileURLWithPath: absolute).standardizedFileURL.path
        let meta = environment.meta
        let recorded = try environment.read { (txn) throws(LogError) in
            try txn.get(meta, key: LMDBEnvironment.archiveKey).map { String(decoding: $0, as: UTF8.self) }
        }
        if let recorded, recorded != normalized {
            throw ArchiveError.broken(path: normalized, reason: "this log archives to \(recorded); pass --archive \(recorded) (or move its segments there first)")
        }
        do {
            try FileManager.default.createDirectory(atPath: normalized, withIntermediateDirectories: true)
        } catch {
            throw ArchiveError.unreadable(path: normalized, reason: "cannot create it (\(error.localizedDescription))")
        }
        let archive = Archive(path: normalized)
        try archive.removeTemporaries()
        return archive
    }

    /// The archive must end where the live log begins (or overlap it after an interrupted
    /// prune) and its last event must be the live log's, not another log's.
    private func checkArchiveTie(_ archive: Archive, archived: UInt64, floor: ChainTip.Floor, head: UInt64) throws {
        guard archived + 1 >= floor.firstSeq else {
            throw ArchiveError.broken(path: archive.path, reason: "it ends at event \(archived) but the live log starts at \(floor.firstSeq): events \(archived + 1)...\(floor.firstSeq - 1) are missing; is this the right archive?")
        }
        guard archived > 0, let last = try archive.entries().last else { return }
        guard archived <= head else {
            throw ArchiveError.broken(path: archive.path, reason: "it holds events through \(archived), beyond the live log's head \(head): it belongs to another log")
        }
        let segment = try ArchiveSegment.open(last.path)
        let expected = archived >= floor.firstSeq ? try read(from: archived, limit: 1).first?.hash : floor.previous.hash
        guard segment.lastHash == expected else {
            throw ArchiveError.broken(path: archive.path, reason: "segment \(last.name) ends with hash \(segment.lastHash.hex.prefix(12))…, but the log's event \(archived) has \(expected?.hex.prefix(12) ?? "none")…: it belongs to another log")
        }
    }

    /// Copies `from...through` out of the live log (verifying every link on the way) into
    /// segments of at most about `segmentBytesMax` bytes.
    private func writeSegments(from: UInt64, through: UInt64, into archive: Archive, segmentBytesMax: Int,
                               progress: (CompactionStep) -> Void) throws -> [String] {
        var sealed: [String] = []
        var writer: ArchiveSegmentWriter?
        let report = try replay(from: from, through: through, transform: { _, _, payload in Array(payload) }, consume: { record, payload in
            let current = try writer ?? ArchiveSegmentWriter(directory: archive.path, firstSeq: record.seq, previous: try previousLink(before: record.seq))
            try payload.withUnsafeBytes { try current.add(seq: record.seq, hash: record.hash, timeMicros: record.timeMicros, payload: $0) }
            writer = current
            if current.size >= segmentBytesMax || record.seq == through {
                let path = try current.seal()
                sealed.append(path)
                progress(.sealed(path: path, throughSeq: record.seq))
                writer = nil
            }
        })
        guard report.isIntact, report.lastSeq == through else {
            throw ArchiveError.broken(path: path, reason: "the live log does not verify (\(report.firstBreak?.description ?? "it ends at \(report.lastSeq)")); nothing was archived past it")
        }
        return sealed
    }
}

/// Removes archived events from the live log, one bounded chunk per write transaction, each
/// moving the floor with the events it removes, so a crash leaves a consistent log.
enum Pruner {
    /// Removes events from the floor through `through` (at most `chunk` of them), moves
    /// the floor past them, records `archive`, and drops snapshots that can no longer be tied to
    /// the live log (those before the new floor's previous event).
    static func prune(_ txn: Transaction, _ environment: LMDBEnvironment, through: UInt64, chunk: UInt64, archive: String, tip: ChainTip, time: Int64) throws(LogError) -> Result<AppendReceipt, LogError> {
        let floor = try ChainTip.floor(txn, meta: environment.meta)
        let unchanged = AppendReceipt(firstSeq: tip.seq + 1, lastSeq: tip.seq, timeMicros: time)
        guard through >= floor.firstSeq else { return .success(unchanged) }
        guard through <= tip.seq else {
            return .failure(.sequenceOutOfRange(path: txn.path, seq: through, first: floor.firstSeq, head: tip.seq))
        }
        let last = min(through, floor.firstSeq + chunk - 1)
        guard let record = try RecordReader.read(txn, environment.events, from: last, limit: 1).first else {
            throw .corruptStore(path: txn.path, reason: "event \(last) is missing below the head \(tip.seq)")
        }
        let removed = try txn.deleteRange(environment.events, from: floor.firstSeq, through: last)
        guard removed == last - floor.firstSeq + 1 else {
            throw .corruptStore(path: txn.path, reason: "expected to remove events \(floor.firstSeq)...\(last), found \(removed)")
        }
        var marker = withUnsafeBytes(of: (last + 1).bigEndian) { Array($0) }
        marker += record.hash.bytes
        marker += withUnsafeBytes(of: record.timeMicros.bigEndian) { Array($0) }
        try txn.put(environment.meta, key: LMDBEnvironment.floorKey, value: marker)
        try txn.put(environment.meta, key: LMDBEnvironment.archiveKey, value: Array(archive.utf8))
        if last > 1 { _ = try txn.deleteRange(environment.snapshots, from: 0, through: last - 1) }
        return .success(unchanged)
    }
}
