import Foundation
import Synchronization

/// The durable, hash-chained event log of one data directory.
///
/// Appends are durable: they return only after their write transaction committed with fsync.
/// Concurrent appends are group-committed. Several processes may append to one directory; LMDB's
/// writer lock serialises them and each batch links onto the chain tip it finds.
public final class EventLog: Sendable {
    /// The on-disk format this build reads and writes.
    public static let formatVersion: UInt32 = 1

    /// How to open a log.
    public struct Options: Sendable {
        /// Open without writing anything (replay, audit). Appends fail with `LogError.readOnly`.
        public var readOnly = false
        /// The first map size; it doubles on demand.
        public var initialMapBytes = 64 << 20
        /// The map never grows past this.
        public var maxMapBytes = 1 << 40
        /// Where archived events are read from, instead of the directory compaction recorded.
        public var archiveDirectory: String?

        /// The defaults: writable, 64 MiB growing to 1 TiB, archive where compaction put it.
        public init(readOnly: Bool = false, initialMapBytes: Int = 64 << 20, maxMapBytes: Int = 1 << 40, archiveDirectory: String? = nil) {
            self.readOnly = readOnly
            self.initialMapBytes = initialMapBytes
            self.maxMapBytes = maxMapBytes
            self.archiveDirectory = archiveDirectory
        }
    }

    /// The directory holding the LMDB files.
    public let path: String

    /// Where the log of a data directory lives: `DATA/log`.
    public static func directory(inData data: String) -> String {
        (data.hasSuffix("/") ? String(data.dropLast()) : data) + "/log"
    }
    let environment: LMDBEnvironment
    let options: Options
    private let users: FileLock
    private let committer: GroupCommitter?
    private let headWatch: HeadWatch
    private let commits: CommitCounter

    /// Opens the log in `directory`, creating it (and the directory) unless read-only.
    /// - Throws: `LogError.directoryUnusable`, `.corruptStore`, `.unsupportedFormat`, `.lmdb`.
    public init(directory: String, clock: any LogClock, options: Options = Options()) throws(LogError) {
        if !options.readOnly {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .directoryUnusable(path: directory, reason: "cannot create it (\(error.localizedDescription))")
            }
        }
        let users = try FileLock.users(directory: directory, readOnly: options.readOnly)
        let environment = try LMDBEnvironment.open(
            path: directory, readOnly: options.readOnly,
            initialMapBytes: options.initialMapBytes, maxMapBytes: options.maxMapBytes)
        try environment.openDatabases(formatVersion: Self.formatVersion)
        self.path = directory
        self.environment = environment
        self.options = options
        self.users = users
        let tip = try environment.read { (txn) throws(LogError) in
            try ChainTip.read(txn, events: environment.events, meta: environment.meta)
        }
        let watch = HeadWatch(head: tip.seq)
        let commits = CommitCounter()
        self.headWatch = watch
        self.commits = commits
        self.committer = options.readOnly ? nil : GroupCommitter(
            writer: BatchWriter(environment: environment, clock: clock),
            onCommit: { [commits] head in
                commits.increment()
                watch.publish(head)
            })
    }

    deinit { close() }

    /// Finishes queued appends, wakes waiters, and closes the environment. Idempotent.
    public func close() {
        committer?.close()
        headWatch.close()
        environment.close()
        users.release()
    }

    /// Appends `payloads` in order and returns after they are durable.
    /// - Throws: `LogError.diskFull`, `.readOnly`, `.closed`, `.eventTooLarge`, `.lmdb`.
    public func append(_ payloads: [[UInt8]]) async throws(LogError) -> AppendReceipt {
        try await submit(.payloads(payloads))
    }

    /// Runs `decide` inside the write transaction, after the log is caught up, and appends what it
    /// returns in the same transaction ("decide inside the lock").
    ///
    /// `decide` may run more than once (when the map must grow, the whole batch is retried), so
    /// it must only read the view and return events, or catch up state idempotently by sequence.
    /// - Throws: `LogError.decisionFailed` when `decide` throws, plus the errors of `append`.
    public func append(deciding decide: @escaping @Sendable (LogWriteView) throws -> [[UInt8]]) async throws(LogError) -> AppendReceipt {
        try await submit(.decide(decide))
    }

    func submitSnapshot(seq: UInt64, payload: [UInt8]) async throws(LogError) -> AppendReceipt {
        try await submit(.snapshot(seq: seq, payload: payload))
    }

    func submit(_ work: AppendRequest.Work) async throws(LogError) -> AppendReceipt {
        guard let committer else { throw .readOnly(path: path) }
        let result = await withCheckedContinuation { continuation in
            committer.submit(AppendRequest(work: work, completion: continuation))
        }
        return try result.get()
    }

    /// Write transactions this process committed that appended events (each one fsync'd), for
    /// metrics and benchmarks.
    public var commitCount: UInt64 { commits.value }

    /// The last sequence number (the floor minus one when the live log is empty).
    public func head() throws(LogError) -> UInt64 {
        try tip().seq
    }

    /// The first sequence number the live log holds (1 unless compacted).
    public func firstSeq() throws(LogError) -> UInt64 {
        try floorMarker().firstSeq
    }

    /// Where the live log starts and the link before it.
    func floorMarker() throws(LogError) -> ChainTip.Floor {
        let meta = environment.meta
        return try environment.read { (txn) throws(LogError) in try ChainTip.floor(txn, meta: meta) }
    }

    /// The archive directory: the one given in the options, else the one compaction recorded.
    /// - Throws: `LogError` when the meta database cannot be read.
    public func archiveDirectory() throws(LogError) -> String? {
        if let given = options.archiveDirectory { return given }
        let meta = environment.meta
        return try environment.read { (txn) throws(LogError) in
            try txn.get(meta, key: LMDBEnvironment.archiveKey).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The archive holding the events before the floor.
    /// - Throws: `ArchiveError.broken` when no archive directory is known.
    func archive() throws -> Archive {
        guard let directory = try archiveDirectory() else {
            throw ArchiveError.broken(path: path, reason: "events before seq \(try firstSeq()) were compacted, but no archive directory is recorded; name it with --archive")
        }
        return Archive(path: directory)
    }

    /// Up to `limit` records from `seq` on (at most `RecordReader.pageLimit`), copied out.
    /// - Throws: `LogError.sequenceOutOfRange` when `seq` is below the live log; `.corruptStore` on a gap.
    /// - Complexity: O(records returned).
    public func read(from seq: UInt64, limit: Int) throws(LogError) -> [LogRecord] {
        let events = environment.events
        let meta = environment.meta
        let path = path
        return try environment.read { (txn) throws(LogError) in
            let floor = try ChainTip.floor(txn, meta: meta)
            guard seq >= floor.firstSeq else {
                let head = try ChainTip.read(txn, events: events, meta: meta).seq
                throw .sequenceOutOfRange(path: path, seq: seq, first: floor.firstSeq, head: head)
            }
            return try RecordReader.read(txn, events, from: seq, limit: limit)
        }
    }

    /// Calls `body` for every record from `seq` through `last` (or the head), page by page.
    /// - Throws: what `read` throws, or what `body` throws.
    /// - Complexity: O(records visited); scans the log.
    public func forEach(from seq: UInt64, through last: UInt64 = .max, pageSize: Int = 4096, _ body: (LogRecord) throws -> Void) throws {
        var next = seq
        while next <= last {
            let page = try read(from: next, limit: min(pageSize, Int(clamping: last - next + 1)))
            guard let final = page.last else { return }
            for record in page { try body(record) }
            next = final.seq + 1
        }
    }

    /// Returns the head once it is above `seq`; wakes for appends made by this process.
    public func waitForHead(above seq: UInt64) async -> UInt64 {
        await headWatch.wait(above: seq)
    }

    /// The hash and time that precede `seq` in the chain (from the record before it or the floor).
    /// - Throws: `LogError.sequenceOutOfRange` when `seq` is not in `[first, head + 1]`.
    public func previousLink(before seq: UInt64) throws(LogError) -> (hash: ChainHash, timeMicros: Int64) {
        let events = environment.events
        let meta = environment.meta
        let path = path
        return try environment.read { (txn) throws(LogError) in
            let floor = try ChainTip.floor(txn, meta: meta)
            if seq == floor.firstSeq { return (floor.previous.hash, floor.previous.timeMicros) }
            let records = try RecordReader.read(txn, events, from: seq - 1, limit: 1)
            guard seq > floor.firstSeq, let record = records.first else {
                let head = try ChainTip.read(txn, events: events, meta: meta).seq
                throw .sequenceOutOfRange(path: path, seq: seq, first: floor.firstSeq, head: head)
            }
            return (record.hash, record.timeMicros)
        }
    }

    private func tip() throws(LogError) -> ChainTip {
        let events = environment.events
        let meta = environment.meta
        return try environment.read { (txn) throws(LogError) in try ChainTip.read(txn, events: events, meta: meta) }
    }
}

/// Counts commits across threads.
private final class CommitCounter: Sendable {
    private let count = Mutex<UInt64>(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: UInt64 { count.withLock { $0 } }
}
