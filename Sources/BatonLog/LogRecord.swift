/// One stored event: its position, the time the writer gave it, its chain hash and its bytes.
///
/// Stored value layout (key = `seq` as 8-byte big-endian):
/// `[32 bytes chain hash][8 bytes time, µs since epoch, big-endian][payload]`.
public struct LogRecord: Sendable, Equatable {
    /// Header bytes before the payload.
    public static let headerSize = ChainHash.byteCount + 8

    /// Gap-free position in the log, starting at 1.
    public let seq: UInt64
    /// Writer-assigned time in microseconds since the Unix epoch; non-decreasing along the log.
    public let timeMicros: Int64
    /// SHA-256(previous hash ‖ seq ‖ time ‖ payload).
    public let hash: ChainHash
    /// The encoded event.
    public let payload: [UInt8]

    /// Makes a record from its parts.
    public init(seq: UInt64, timeMicros: Int64, hash: ChainHash, payload: [UInt8]) {
        self.seq = seq
        self.timeMicros = timeMicros
        self.hash = hash
        self.payload = payload
    }

    /// Decodes a stored value; nil when it is shorter than the header.
    static func decode(seq: UInt64, value: UnsafeRawBufferPointer) -> LogRecord? {
        guard value.count >= headerSize else { return nil }
        let hash = ChainHash(raw: value)
        var time: Int64 = 0
        withUnsafeMutableBytes(of: &time) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: value[ChainHash.byteCount..<headerSize])) }
        let payload = Array(value[headerSize...])
        return LogRecord(seq: seq, timeMicros: Int64(bigEndian: time), hash: hash, payload: payload)
    }

    /// Writes header and payload into a reserved value buffer of exactly `headerSize + payload.count` bytes.
    static func encode(hash: ChainHash, timeMicros: Int64, payload: [UInt8], into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count == headerSize + payload.count, "reserved \(buffer.count) bytes for a \(headerSize + payload.count)-byte record")
        let hashEnd = ChainHash.byteCount
        hash.store(into: buffer)
        withUnsafeBytes(of: timeMicros.bigEndian) {
            UnsafeMutableRawBufferPointer(rebasing: buffer[hashEnd..<headerSize]).copyMemory(from: $0)
        }
        payload.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: buffer[headerSize...]).copyMemory(from: $0) }
    }
}
