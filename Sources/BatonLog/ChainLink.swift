/// The check every reader makes of one stored record: its stored hash is the link computed from
/// its predecessor's stored hash, its sequence number, time and payload, and its time does not go
/// back. Shared by the live log's replay and the archive's, so both judge a record the same way.
enum ChainLink {
    /// The record's hash and time when `value` (a stored record: hash ‖ time ‖ payload) links
    /// onto `previous`, or the reason it does not.
    static func check(seq: UInt64, value: UnsafeRawBufferPointer, previous: (hash: ChainHash, timeMicros: Int64)) -> Result<(hash: ChainHash, timeMicros: Int64), ChainReport.Break> {
        guard value.count >= LogRecord.headerSize else {
            return .failure(.init(seq: seq, reason: "record is \(value.count) bytes, shorter than its \(LogRecord.headerSize)-byte header"))
        }
        let stored = ChainHash(raw: value)
        let computed = ChainHash.link(previous: previous.hash, seq: seq, timeAndPayload: UnsafeRawBufferPointer(rebasing: value[ChainHash.byteCount...]))
        guard computed == stored else {
            return .failure(.init(seq: seq, reason: "stored hash \(stored.hex.prefix(12))… differs from computed \(computed.hex.prefix(12))…"))
        }
        let time = Int64(bigEndian: value.loadUnaligned(fromByteOffset: ChainHash.byteCount, as: Int64.self))
        guard time >= previous.timeMicros else {
            return .failure(.init(seq: seq, reason: "time \(time) is before the previous event's \(previous.timeMicros)"))
        }
        return .success((stored, time))
    }
}
