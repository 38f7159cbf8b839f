/// The end of the chain: the last sequence number, its hash and its time. For an empty live
/// log it is the floor left by compaction (or the genesis values for a new log).
struct ChainTip: Sendable, Equatable {
    var seq: UInt64
    var hash: ChainHash
    var timeMicros: Int64

    /// Meta value layout of the floor: `[8 bytes first live seq][32 bytes previous hash][8 bytes previous time]`.
    static let floorValueSize = 8 + ChainHash.byteCount + 8

    /// The first live sequence number and the tip just before it.
    struct Floor: Sendable, Equatable {
        var firstSeq: UInt64
        var previous: ChainTip
    }

    /// Reads the floor from the meta database.
    static func floor(_ txn: Transaction, meta: UInt32) throws(LogError) -> Floor {
        guard let value = try txn.get(meta, key: LMDBEnvironment.floorKey) else {
            return Floor(firstSeq: 1, previous: ChainTip(seq: 0, hash: .genesis, timeMicros: 0))
        }
        guard value.count == floorValueSize else {
            throw .corruptStore(path: txn.path, reason: "floor marker is \(value.count) bytes, expected \(floorValueSize)")
        }
        let first = UInt64(bigEndian: value.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let hash = ChainHash(raw: UnsafeRawBufferPointer(rebasing: value[8..<(8 + ChainHash.byteCount)]))
        let time = Int64(bigEndian: value.loadUnaligned(fromByteOffset: 8 + ChainHash.byteCount, as: Int64.self))
        return Floor(firstSeq: first, previous: ChainTip(seq: first - 1, hash: hash, timeMicros: time))
    }

    /// The tip of the log: its last record, or the floor's previous tip when the live log is empty.
    static func read(_ txn: Transaction, events: UInt32, meta: UInt32) throws(LogError) -> ChainTip {
        if let (seq, value) = try txn.last(events) {
            guard let record = LogRecord.decode(seq: seq, value: value) else {
                throw .malformedRecord(path: txn.path, seq: seq, bytes: value.count)
            }
            return ChainTip(seq: seq, hash: record.hash, timeMicros: record.timeMicros)
        }
        return try floor(txn, meta: meta).previous
    }
}
