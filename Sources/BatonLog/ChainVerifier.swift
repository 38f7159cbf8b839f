import Dispatch

/// The outcome of walking a stretch of the chain.
public struct ChainReport: Sendable, Equatable {
    /// A record whose stored link disagrees with what its bytes and predecessor imply.
    public struct Break: Error, Sendable, Equatable, CustomStringConvertible {
        /// The first sequence number found bad.
        public let seq: UInt64
        /// Why, e.g. `stored hash 3fa0… differs from computed 9b1c…`.
        public let reason: String
        public var description: String { "seq \(seq): \(reason)" }
    }

    /// How many records were checked and handed on.
    public let checked: UInt64
    /// The last sequence number checked (the start minus one when none were).
    public let lastSeq: UInt64
    /// The stored hash of the last record checked.
    public let lastHash: ChainHash
    /// The first break, or nil when the stretch verifies.
    public let firstBreak: Break?

    /// True when nothing was wrong.
    public var isIntact: Bool { firstBreak == nil }

    /// This report with a break at `seq` (the record after the last one checked).
    func broken(at seq: UInt64, _ reason: String) -> ChainReport {
        ChainReport(checked: checked, lastSeq: lastSeq, lastHash: lastHash, firstBreak: Break(seq: seq, reason: reason))
    }

    /// This stretch and the one replayed right after it, as one.
    func followed(by next: ChainReport) -> ChainReport {
        ChainReport(checked: checked + next.checked, lastSeq: next.lastSeq, lastHash: next.lastHash, firstBreak: next.firstBreak)
    }
}

/// How a replay splits its range: `width` pages of `page` records verified side by side.
struct ReplayShape: Sendable {
    let width: Int
    let page: UInt64
}

extension EventLog {
    /// How many pages one replay wave verifies and transforms side by side.
    public static let replayWorkersMax = 8

    /// Replays `seq` through `last` (or the head): verifies every link and hands each record to
    /// `transform` on worker threads (straight from the mapped bytes, without copying), then
    /// hands the results to `consume` on the calling thread, strictly in log order.
    ///
    /// A link is checked against its predecessor's *stored* hash — SHA-256 over that hash, the
    /// sequence number, time and payload — so pages verify independently and in parallel, and one
    /// damaged record is named by itself, not by everything after it. Sequence gaps and time going
    /// backwards are breaks too. Replay stops at the first break: everything before it is
    /// consumed, nothing after it.
    /// - Throws: `LogError` when the store cannot be read at all, `LogError.transformFailed`
    ///   naming the record `transform` threw on, or what `consume` throws.
    /// - Complexity: O(records); scans the log.
    public func replay<T: Sendable>(
        from seq: UInt64? = nil, through last: UInt64 = .max, workers: Int = 2, pageSize: Int = 4096,
        transform: @Sendable (_ seq: UInt64, _ timeMicros: Int64, _ payload: UnsafeRawBufferPointer) throws -> T,
        consume: (_ record: ReplayedRecord, T) throws -> Void
    ) throws -> ChainReport {
        let start = max(seq ?? 1, 1)
        let floor = try floorMarker()
        let end = min(last, try head())
        let shape = ReplayShape(width: min(max(workers, 1), Self.replayWorkersMax), page: UInt64(min(max(pageSize, 1), RecordReader.pageLimit)))
        let environment = environment
        return try withoutActuallyEscaping(transform) { transform in
            let livePages = { @Sendable (range: ClosedRange<UInt64>) throws -> ReplayPage<T> in
                try environment.read { (txn) throws(LogError) -> ReplayPage<T> in
                    try ReplayPage.verify(txn, environment.events, environment.meta, range, transform)
                }
            }
            guard start < floor.firstSeq, start <= end else {
                let (previous, _) = try previousLink(before: start)
                return try Self.replayWaves(start: start, end: end, shape: shape, previous: previous, verify: livePages, consume: consume)
            }
            // The part before the floor lives in the archive; the live log must continue it.
            let archived = try archive().replay(from: start, through: end, shape: shape, transform: transform, consume: consume)
            guard archived.isIntact, archived.lastSeq < end else { return archived }
            let liveStart = archived.lastSeq + 1
            guard liveStart >= floor.firstSeq else {
                return archived.broken(at: liveStart, "events \(liveStart)...\(floor.firstSeq - 1) are in neither the archive (it ends at \(archived.lastSeq)) nor the live log (it starts at \(floor.firstSeq))")
            }
            let (previous, _) = try previousLink(before: liveStart)
            guard previous == archived.lastHash else {
                return archived.broken(at: liveStart, "the live log does not continue the archive: the archive's last hash \(archived.lastHash.hex.prefix(12))… differs from the live log's link \(previous.hex.prefix(12))…")
            }
            let live = try Self.replayWaves(start: liveStart, end: end, shape: shape, previous: previous, verify: livePages, consume: consume)
            return archived.followed(by: live)
        }
    }

    /// Verifies pages of `start...end` in waves on worker threads while this thread consumes the
    /// wave before, strictly in order. Every wave is waited for before this returns, so `verify`
    /// (and what it captures) never outlives the call.
    static func replayWaves<T: Sendable>(
        start: UInt64, end: UInt64, shape: ReplayShape, previous: ChainHash,
        verify: @escaping @Sendable (ClosedRange<UInt64>) throws -> ReplayPage<T>,
        consume: (ReplayedRecord, T) throws -> Void
    ) throws -> ChainReport {
        // The workers run on a queue of their own rather than the global queues, which also
        // carry Swift's cooperative pool: this caller blocks below, often from an async context,
        // and its workers should not have to compete for the threads such callers hold.
        let queue = DispatchQueue(label: "baton.replay", attributes: .concurrent)
        func launch(_ from: UInt64) -> ReplayWave<T>? {
            guard from <= end else { return nil }
            let ranges = (0..<UInt64(shape.width)).compactMap { index -> ClosedRange<UInt64>? in
                let low = from + index * shape.page
                return low <= end ? low...min(low + shape.page - 1, end) : nil
            }
            let wave = ReplayWave<T>(ranges: ranges)
            for index in ranges.indices {
                queue.async(group: wave.group) {
                    wave.set(index, Result { try verify(ranges[index]) })
                }
            }
            return wave
        }
        var checked: UInt64 = 0
        var lastHash = previous
        var current = launch(start)
        while let wave = current {
            let upcoming = launch(wave.lastSeq + 1)
            wave.group.wait()
            do {
                for index in wave.ranges.indices {
                    let outcome = try wave.take(index).get()
                    for (offset, item) in outcome.items.enumerated() {
                        let itemSeq = wave.ranges[index].lowerBound + UInt64(offset)
                        try consume(ReplayedRecord(seq: itemSeq, timeMicros: outcome.times[offset], hash: outcome.hashes[offset]), item)
                    }
                    checked += UInt64(outcome.items.count)
                    if let hash = outcome.lastHash { lastHash = hash }
                    if let bad = outcome.firstBreak {
                        upcoming?.group.wait()
                        return ChainReport(checked: checked, lastSeq: start + checked - 1, lastHash: lastHash, firstBreak: bad)
                    }
                }
            } catch {
                upcoming?.group.wait()
                throw error
            }
            current = upcoming
        }
        return ChainReport(checked: checked, lastSeq: start + checked - 1, lastHash: lastHash, firstBreak: nil)
    }

    /// Verifies `seq` through `last` (or the head) and hands each verified record, copied out, to
    /// `visit` in order. See `replay` for what is checked.
    /// - Throws: `LogError` when the store cannot be read at all, or what `visit` throws.
    /// - Complexity: O(records); scans the log.
    public func verifyChain(from seq: UInt64? = nil, through last: UInt64 = .max, visit: (LogRecord) throws -> Void = { _ in }) throws -> ChainReport {
        try replay(from: seq, through: last, transform: { seq, time, payload in
            Array(payload)
        }, consume: { record, payload in
            try visit(LogRecord(seq: record.seq, timeMicros: record.timeMicros, hash: record.hash, payload: payload))
        })
    }
}

/// Where a replayed record sits in the chain.
public struct ReplayedRecord: Sendable, Equatable {
    /// Its sequence number.
    public let seq: UInt64
    /// The time the writer gave it (µs).
    public let timeMicros: Int64
    /// Its stored (and verified) chain hash.
    public let hash: ChainHash

    /// A record's place in the chain.
    public init(seq: UInt64, timeMicros: Int64, hash: ChainHash) {
        self.seq = seq
        self.timeMicros = timeMicros
        self.hash = hash
    }
}

/// One page of a replay: what `transform` made of each verified record, and the first break.
struct ReplayPage<T: Sendable>: Sendable {
    var items: [T] = []
    var times: [Int64] = []
    var hashes: [ChainHash] = []
    var lastHash: ChainHash?
    var firstBreak: ChainReport.Break?
    var transformFailure: (seq: UInt64, reason: String)?

    static func verify(
        _ txn: Transaction, _ events: UInt32, _ meta: UInt32, _ range: ClosedRange<UInt64>,
        _ transform: (UInt64, Int64, UnsafeRawBufferPointer) throws -> T
    ) throws(LogError) -> ReplayPage<T> {
        var page = ReplayPage(capacity: range.count)
        var previous = try predecessor(of: range.lowerBound, txn, events, meta)
        var expected = range.lowerBound
        try txn.scan(events, from: range.lowerBound) { (key, value) throws(LogError) -> Bool in
            guard key == expected else {
                page.firstBreak = .init(seq: expected, reason: "missing: the next stored sequence is \(key)")
                return false
            }
            guard page.accept(seq: key, value: value, previous: &previous, transform) else { return false }
            expected += 1
            return key < range.upperBound
        }
        if let failure = page.transformFailure { throw .transformFailed(path: txn.path, seq: failure.seq, reason: failure.reason) }
        if page.firstBreak == nil && expected <= range.upperBound {
            page.firstBreak = .init(seq: expected, reason: "missing: the log ends at \(expected - 1)")
        }
        return page
    }

    init(capacity: Int) {
        items.reserveCapacity(capacity)
        times.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
    }

    /// Checks one stored record against `previous` and transforms it; false when the page stops
    /// here (a break, or the transform threw).
    mutating func accept(
        seq: UInt64, value: UnsafeRawBufferPointer, previous: inout (hash: ChainHash, timeMicros: Int64),
        _ transform: (UInt64, Int64, UnsafeRawBufferPointer) throws -> T
    ) -> Bool {
        switch ChainLink.check(seq: seq, value: value, previous: previous) {
        case .failure(let bad):
            firstBreak = bad
            return false
        case .success(let link):
            do {
                items.append(try transform(seq, link.timeMicros, UnsafeRawBufferPointer(rebasing: value[LogRecord.headerSize...])))
            } catch {
                transformFailure = (seq, String(describing: error))
                return false
            }
            times.append(link.timeMicros)
            hashes.append(link.hash)
            lastHash = link.hash
            previous = link
            return true
        }
    }

    /// The stored hash and time before `seq`: the previous record's, or the floor's.
    private static func predecessor(of seq: UInt64, _ txn: Transaction, _ events: UInt32, _ meta: UInt32) throws(LogError) -> (hash: ChainHash, timeMicros: Int64) {
        let floor = try ChainTip.floor(txn, meta: meta)
        if seq <= floor.firstSeq { return (floor.previous.hash, floor.previous.timeMicros) }
        var found: (ChainHash, Int64)?
        try txn.scan(events, from: seq - 1) { (key, value) throws(LogError) -> Bool in
            if key == seq - 1, value.count >= LogRecord.headerSize {
                found = (ChainHash(raw: value), Int64(bigEndian: value.loadUnaligned(fromByteOffset: ChainHash.byteCount, as: Int64.self)))
            }
            return false
        }
        guard let found else { throw .corruptStore(path: txn.path, reason: "record \(seq - 1) is missing or short") }
        return found
    }
}

/// The results of one wave, one slot per page, each written by exactly one worker.
final class ReplayWave<T: Sendable>: @unchecked Sendable {
    // Safety: every index is given to exactly one worker, so each slot is written once by one
    // thread; `take` runs only after `group` was waited for, which orders those writes before
    // the reads. `ranges` and `group` never change.
    let ranges: [ClosedRange<UInt64>]
    let group = DispatchGroup()
    private var slots: [Result<ReplayPage<T>, any Error>?]

    init(ranges: [ClosedRange<UInt64>]) {
        self.ranges = ranges
        slots = Array(repeating: nil, count: ranges.count)
    }

    /// The last sequence number the wave covers.
    var lastSeq: UInt64 { ranges.last?.upperBound ?? 0 }

    func set(_ index: Int, _ value: Result<ReplayPage<T>, any Error>) {
        slots.withUnsafeMutableBufferPointer { $0[index] = value }
    }

    func take(_ index: Int) -> Result<ReplayPage<T>, any Error> {
        guard let value = slots[index] else { preconditionFailure("replay page \(index) was never filled") }
        return value
    }
}
