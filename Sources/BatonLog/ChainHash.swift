import Crypto

/// The 32-byte SHA-256 link that ties each record to everything before it.
public struct ChainHash: Sendable, Hashable, CustomStringConvertible {
    /// The byte count of a hash.
    public static let byteCount = 32
    /// The hash that precedes the very first event of a log.
    public static let genesis = ChainHash(bytes: [UInt8](repeating: 0, count: byteCount))

    /// The raw digest.
    public let bytes: [UInt8]

    /// Wraps 32 bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "chain hash must be \(Self.byteCount) bytes, got \(bytes.count)")
        self.bytes = bytes
    }

    /// SHA-256(previous ‖ seq ‖ time ‖ payload), with `seq` and `time` as 8-byte big-endian.
    public static func link(previous: ChainHash, seq: UInt64, timeMicros: Int64, payload: [UInt8]) -> ChainHash {
        var hasher = SHA256()
        hasher.update(data: previous.bytes)
        withUnsafeBytes(of: seq.bigEndian) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: timeMicros.bigEndian) { hasher.update(bufferPointer: $0) }
        payload.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return ChainHash(bytes: Array(hasher.finalize()))
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
