import Crypto
import Foundation

/// A sealed archive segment: a contiguous stretch of the chain moved out of the live log by
/// compaction, in one immutable file. Layout (integers big-endian, `Specs/log-format.md`):
///
/// ```
/// header  = "BATONSEG" | format u32 | 0 u32 | first seq u64 | previous time i64 | previous hash [32]
/// record  = value length u32 | value (hash [32] | time i64 | payload), as in the live log
/// footer  = "BATONEND" | count u64 | last hash [32] | SHA-256 of every byte before the footer [32]
/// ```
///
/// The header links the segment to the event before it and the footer seals it, so a segment
/// is checked on its own (footer checksum, record count) and as part of the chain (every record's
/// link, and the links between segments and to the live log).
public struct ArchiveSegment: Sendable {
    /// The segment format this build writes and reads.
    static let formatVersion: UInt32 = 1
    static let headerMagic = Array("BATONSEG".utf8)
    static let footerMagic = Array("BATONEND".utf8)
    static let headerSize = 8 + 4 + 4 + 8 + 8 + ChainHash.byteCount
    static let footerSize = 8 + 8 + ChainHash.byteCount * 2
    /// The suffix of a sealed segment's file name.
    static let fileSuffix = ".segment"

    /// The file.
    public let path: String
    /// The first sequence number it holds.
    public let firstSeq: UInt64
    /// How many events it holds (at least one).
    public let count: UInt64
    /// The hash and time of the event before `firstSeq` (genesis values for seq 1).
    public let previous: (hash: ChainHash, timeMicros: Int64)
    /// The stored hash of its last event, as sealed in the footer.
    public let lastHash: ChainHash
    /// Whether the footer checksum matches the bytes before it.
    public let checksumMatches: Bool
    /// The last sequence number it holds.
    public var lastSeq: UInt64 { firstSeq + count - 1 }

    private let bytes: Data
    /// Where each record's value starts; one more entry marks the end of the last value.
    private let starts: [Int]

    /// The file name of the segment holding `first...last`: sorting names sorts segments.
    static func fileName(first: UInt64, last: UInt64) -> String {
        "events-\(padded(first))-\(padded(last))\(fileSuffix)"
    }

    /// The range a segment file name claims, or nil for any other name.
    static func range(ofFileName name: String) -> ClosedRange<UInt64>? {
        guard name.hasPrefix("events-"), name.hasSuffix(fileSuffix) else { return nil }
        let parts = name.dropFirst("events-".count).dropLast(fileSuffix.count).split(separator: "-")
        guard parts.count == 2, let first = UInt64(parts[0]), let last = UInt64(parts[1]), first >= 1, first <= last else { return nil }
        return first...last
    }

    private static func padded(_ seq: UInt64) -> String {
        let digits = String(seq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// Maps and parses the segment at `path`: header, record boundaries, footer and checksum.
    /// A checksum mismatch is reported through `checksumMatches`, so the chain check can still
    /// name the damaged record; a broken structure throws.
    /// - Throws: `ArchiveError.unreadable`, `.malformed`.
    /// - Complexity: O(file size): hashes the whole file.
    public static func open(_ path: String) throws(ArchiveError) -> ArchiveSegment {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        do {
            return try bytes.withUnsafeBytes { raw in try parse(path: path, bytes: bytes, raw: raw) }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw .malformed(path: path, reason: String(describing: error))
        }
    }

    private static func parse(path: String, bytes: Data, raw: UnsafeRawBufferPointer) throws(ArchiveError) -> ArchiveSegment {
        guard raw.count >= headerSize + footerSize else {
            throw .malformed(path: path, reason: "\(raw.count) bytes, shorter than a header and footer")
        }
        guard Array(raw[0..<8]) == headerMagic else { throw .malformed(path: path, reason: "not an archive segment (bad header magic)") }
        let format = UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard format == formatVersion else { throw .malformed(path: path, reason: "segment format \(format) is not supported (supports \(formatVersion))") }
        let first = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        let previousTime = Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: Int64.self))
        let previousHash = ChainHash(raw: UnsafeRawBufferPointer(rebasing: raw[32..<headerSize]))
        let footerStart = raw.count - footerSize
        guard Array(raw[footerStart..<(footerStart + 8)]) == footerMagic else {
            throw .malformed(path: path, reason: "no footer: the segment was not sealed (bad footer magic)")
        }
        let count = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: footerStart + 8, as: UInt64.self))
        let lastHash = ChainHash(raw: UnsafeRawBufferPointer(rebasing: raw[(footerStart + 16)...]))
        let checksum = Array(raw[(footerStart + 16 + ChainHash.byteCount)...])
        let computed = Array(SHA256.hash(data: UnsafeRawBufferPointer(rebasing: raw[0..<footerStart])))
        guard first >= 1, count >= 1, count <= UInt64(raw.count / (4 + LogRecord.headerSize)) else {
            throw .malformed(path: path, reason: "header says first seq \(first), footer says \(count) events")
        }
        var starts: [Int] = []
        starts.reserveCapacity(Int(count) + 1)
        var offset = headerSize
        while offset < footerStart {
            guard footerStart - offset >= 4 else { throw .malformed(path: path, reason: "record \(first + UInt64(starts.count)): length field cut off at byte \(offset)") }
            let length = Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            guard length >= LogRecord.headerSize, length <= footerStart - offset - 4 else {
                throw .malformed(path: path, reason: "record \(first + UInt64(starts.count)) at byte \(offset): length \(length) does not fit the segment")
            }
            starts.append(offset + 4)
            offset += 4 + length
            guard starts.count <= Int(count) else { throw .malformed(path: path, reason: "more records than the \(count) the footer counts") }
        }
        guard starts.count == Int(count) else {
            throw .malformed(path: path, reason: "\(starts.count) records, but the footer counts \(count)")
        }
        starts.append(footerStart + 4)
        return ArchiveSegment(path: path, firstSeq: first, count: count, previous: (previousHash, previousTime), lastHash: lastHash,
                              checksumMatches: computed == checksum, bytes: bytes, starts: starts)
    }

    /// Visits the stored value (hash ‖ time ‖ payload) of each record from `seq` through `last`
    /// in order, straight from the mapped file; `visit` returns false to stop.
    func scan(from seq: UInt64, through last: UInt64, _ visit: (UInt64, UnsafeRawBufferPointer) throws -> Bool) rethrows {
        precondition(seq >= firstSeq && last <= lastSeq, "records \(seq)...\(last) are not in segment \(firstSeq)...\(lastSeq)")
        guard seq <= last else { return }
        try bytes.withUnsafeBytes { raw in
            for index in Int(seq - firstSeq)...Int(last - firstSeq) {
                let value = UnsafeRawBufferPointer(rebasing: raw[starts[index]..<(starts[index + 1] - 4)])
                guard try visit(firstSeq + UInt64(index), value) else { return }
            }
        }
    }

    /// The stored hash and time of the event before `seq` (`seq` in the segment, or one past it).
    func link(before seq: UInt64) -> (hash: ChainHash, timeMicros: Int64) {
        precondition(seq >= firstSeq && seq <= lastSeq + 1, "seq \(seq) is not in segment \(firstSeq)...\(lastSeq)")
        guard seq > firstSeq else { return previous }
        var found = previous
        scan(from: seq - 1, through: seq - 1) { _, value in
            found = (ChainHash(raw: value), Int64(bigEndian: value.loadUnaligned(fromByteOffset: ChainHash.byteCount, as: Int64.self)))
            return false
        }
        return found
    }
}

/// Everything reading or writing archive segments can fail with, naming the file.
public enum ArchiveError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or directory could not be read, written or synced.
    case unreadable(path: String, reason: String)
    /// The file is not a sealed segment of this format.
    case malformed(path: String, reason: String)
    /// The segments and the live log do not form one chain.
    case broken(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "archive \(path): \(reason)"
        case .malformed(let path, let reason): return "archive segment \(path): \(reason)"
        case .broken(let path, let reason): return "archive \(path): \(reason)"
        }
    }
}
