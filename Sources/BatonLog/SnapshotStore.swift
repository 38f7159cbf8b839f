import Crypto

/// A snapshot as stored: the projections' bytes as of `seq`, tied to the chain by the hash of
/// event `seq`, with a checksum of the bytes.
public struct StoredSnapshot: Sendable, Equatable {
    /// The projections include every event up to and including this one.
    public let seq: UInt64
    /// The chain hash of event `seq` when the snapshot was written.
    public let eventHash: ChainHash
    /// The encoded projections (a `baton.v1.Snapshot`).
    public let payload: [UInt8]
}

/// Why a stored snapshot is not trusted.
public struct SnapshotProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let seq: UInt64
    public let reason: String
    public var description: String { "snapshot at seq \(seq): \(reason)" }
}

/// Snapshots in the `snapshots` database. Value layout:
/// `[4 bytes format, big-endian][32 bytes hash of event seq][32 bytes SHA-256 of payload][payload]`.
enum SnapshotStore {
    /// The snapshot value format this build writes and reads.
    static let formatVersion: UInt32 = 1
    static let headerSize = 4 + ChainHash.byteCount * 2

    /// Stores a snapshot in the write transaction, after checking `seq` is in the live log.
    /// A bad `seq` fails only this request; an LMDB failure (a full map among them) throws, so
    /// the whole transaction is aborted and retried after the map grows, never committed broken.
    static func put(_ txn: Transaction, _ environment: LMDBEnvironment, seq: UInt64, payload: [UInt8], tip: ChainTip, time: Int64) throws(LogError) -> Result<AppendReceipt, LogError> {
        guard seq <= tip.seq, seq > 0, let record = try RecordReader.read(txn, environment.events, from: seq, limit: 1).first else {
            return .failure(.sequenceOutOfRange(path: txn.path, seq: seq, first: 1, head: tip.seq))
        }
        var value = withUnsafeBytes(of: formatVersion.bigEndian) { Array($0) }
        value += record.hash.bytes
        value += Array(SHA256.hash(data: payload))
        value += payload
        try txn.put(environment.snapshots, key: withUnsafeBytes(of: seq.bigEndian) { Array($0) }, value: value)
        return .success(AppendReceipt(firstSeq: tip.seq + 1, lastSeq: tip.seq, timeMicros: time))
    }

    /// Decodes and checks a stored value; the caller still compares `eventHash` with the log.
    static func decode(seq: UInt64, value: UnsafeRawBufferPointer) -> Result<StoredSnapshot, SnapshotProblem> {
        guard value.count >= headerSize else { return .failure(.init(seq: seq, reason: "only \(value.count) bytes")) }
        let format = UInt32(bigEndian: value.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        guard format == formatVersion else { return .failure(.init(seq: seq, reason: "format \(format) is not supported (supports \(formatVersion))")) }
        let eventHash = ChainHash(raw: UnsafeRawBufferPointer(rebasing: value[4..<(4 + ChainHash.byteCount)]))
        let checksum = Array(value[(4 + ChainHash.byteCount)..<headerSize])
        let payload = Array(value[headerSize...])
        guard Array(SHA256.hash(data: payload)) == checksum else {
            return .failure(.init(seq: seq, reason: "checksum mismatch: the stored bytes are damaged"))
        }
        return .success(StoredSnapshot(seq: seq, eventHash: eventHash, payload: payload))
    }
}

extension EventLog {
    /// Stores a snapshot of the projections as of `seq` (which must be in the live log), durably.
    /// - Throws: `LogError.sequenceOutOfRange`, or the errors of `append`.
    public func writeSnapshot(seq: UInt64, payload: [UInt8]) async throws(LogError) {
        _ = try await submitSnapshot(seq: seq, payload: payload)
    }

    /// The sequence numbers that have a stored snapshot, newest first.
    public func snapshotSeqs() throws(LogError) -> [UInt64] {
        let snapshots = environment.snapshots
        return try environment.read { (txn) throws(LogError) in
            var seqs: [UInt64] = []
            try txn.scan(snapshots, from: nil, reverse: true) { (seq, _) throws(LogError) -> Bool in
                seqs.append(seq)
                return seqs.count < 10_000
            }
            return seqs
        }
    }

    /// The snapshot at `seq` if it verifies: known format, intact checksum, and tied to the chain
    /// (the hash it recorded equals event `seq`'s stored hash, when that event is still live).
    /// - Throws: `LogError` when the store cannot be read.
    public func snapshot(at seq: UInt64) throws(LogError) -> Result<StoredSnapshot, SnapshotProblem> {
        let snapshots = environment.snapshots
        let events = environment.events
        let meta = environment.meta
        return try environment.read { (txn) throws(LogError) in
            guard let value = try txn.get(snapshots, key: withUnsafeBytes(of: seq.bigEndian) { Array($0) }) else {
                return .failure(SnapshotProblem(seq: seq, reason: "no snapshot stored"))
            }
            let decoded = SnapshotStore.decode(seq: seq, value: value)
            guard case .success(let snapshot) = decoded else { return decoded }
            let floor = try ChainTip.floor(txn, meta: meta)
            if seq >= floor.firstSeq {
                guard let record = try RecordReader.read(txn, events, from: seq, limit: 1).first else {
                    return .failure(SnapshotProblem(seq: seq, reason: "event \(seq) is not in the log"))
                }
                guard record.hash == snapshot.eventHash else {
                    return .failure(SnapshotProblem(seq: seq, reason: "it was taken of a different history (event hash differs)"))
                }
            } else if seq == floor.firstSeq - 1 {
                guard floor.previous.hash == snapshot.eventHash else {
                    return .failure(SnapshotProblem(seq: seq, reason: "event hash differs from the compaction floor"))
                }
            } else {
                return .failure(SnapshotProblem(seq: seq, reason: "event \(seq) was compacted away (the live log starts at \(floor.firstSeq)), so the snapshot cannot be tied to the chain"))
            }
            return .success(snapshot)
        }
    }
}
