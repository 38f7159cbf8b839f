import Crypto

/// The 32-byte SHA-256 link that ties each record to everything before it.
///
/// Stored inline as four words, so hashing and comparing a record allocates nothing.
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    /// The byte count of a hash.
    public static let byteCount = 32
    /// The hash that precedes the very first event of a log.
    public static let genesis = ChainHash(words: (0, 0, 0, 0))

    // The digest bytes in order, four at a time in memory order (not a numeric value).
    private var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    private init(words: (UInt64, UInt64, UInt64, UInt64)) {
        (w0, w1, w2, w3) = words
    }

    /// Wraps 32 bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "chain hash must be \(Self.byteCount) bytes, got \(bytes.count)")
        self = bytes.withUnsafeBytes { ChainHash(raw: $0) }
    }

    /// Reads 32 bytes from the start of `raw` (which must hold at least that many).
    init(raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= Self.byteCount, "chain hash needs \(Self.byteCount) bytes, got \(raw.count)")
        self.init(words: (
            raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
            raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// The raw digest.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: (w0, w1, w2, w3)) { Array($0) }
    }

    /// Writes the 32 bytes to the start of `buffer`.
    func store(into buffer: UnsafeMutableRawBufferPointer) {
        withUnsafeBytes(of: (w0, w1, w2, w3)) { UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Self.byteCount]).copyMemory(from: $0) }
    }

    /// SHA-256(previous ‖ seq ‖ time ‖ payload), with `seq` and `time` as 8-byte big-endian.
    public static func link(previous: ChainHash, seq: UInt64, timeMicros: Int64, payload: [UInt8]) -> ChainHash {
        var hasher = start(previous: previous, seq: seq)
        withUnsafeBytes(of: timeMicros.bigEndian) { hasher.update(bufferPointer: $0) }
        payload.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return finish(hasher)
    }

    /// The same link computed straight from a stored value's `time ‖ payload` bytes, which the
    /// record layout keeps contiguous, so verification hashes the mapped bytes without copying.
    static func link(previous: ChainHash, seq: UInt64, timeAndPayload: UnsafeRawBufferPointer) -> ChainHash {
        var hasher = start(previous: previous, seq: seq)
        hasher.update(bufferPointer: timeAndPayload)
        return finish(hasher)
    }

    private static func start(previous: ChainHash, seq: UInt64) -> SHA256 {
        var hasher = SHA256()
        withUnsafeBytes(of: (previous.w0, previous.w1, previous.w2, previous.w3, seq.bigEndian)) { hasher.update(bufferPointer: $0) }
        return hasher
    }

    private static func finish(_ hasher: SHA256) -> ChainHash {
        hasher.finalize().withUnsafeBytes { ChainHash(raw: $0) }
    }

    /// Lower-case hex, as printed by replay.
    public var hex: String {
        var out = ""
        out.reserveCapacity(Self.byteCount * 2)
        for byte in bytes {
            out.append(Self.hexDigits[Int(byte >> 4)])
            out.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        return out
    }

    public var description: String { hex }

    private static let hexDigits: [Character] = Array("0123456789abcdef")
}
