import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes one archive segment beside the others under a temporary name, then seals it: footer,
/// fsync, rename to its final name, fsync of the directory. Until `seal` returns, the segment
/// does not exist for readers; a crash leaves only a temporary file, which the next compaction
/// removes.
final class ArchiveSegmentWriter {
    let directory: String
    let firstSeq: UInt64
    private(set) var count: UInt64 = 0
    private var bytesWritten = 0
    private(set) var lastHash: ChainHash
    private var lastTime: Int64
    private let temporaryPath: String
    private let descriptor: Int32
    private var hasher = SHA256()
    private var buffer: [UInt8] = []

    /// The segment's size so far (written and buffered).
    var size: Int { bytesWritten + buffer.count }

    /// Bytes gathered before one `write(2)`.
    static let bufferBytesMax = 1 << 20
    /// The prefix of a temporary segment's name.
    static let temporaryPrefix = ".writing-"

    /// Starts a segment whose first event is `firstSeq`, linked onto `previous`.
    /// - Throws: `ArchiveError.unreadable` when the file cannot be created.
    init(directory: String, firstSeq: UInt64, previous: (hash: ChainHash, timeMicros: Int64)) throws(ArchiveError) {
        self.directory = directory
        self.firstSeq = firstSeq
        self.lastHash = previous.hash
        self.lastTime = previous.timeMicros
        temporaryPath = directory + "/" + Self.temporaryPrefix + String(firstSeq)
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .unreadable(path: temporaryPath, reason: "cannot create: \(String(cString: strerror(errno)))") }
        buffer.reserveCapacity(Self.bufferBytesMax + 64 << 10)
        buffer += ArchiveSegment.headerMagic
        Self.put(ArchiveSegment.formatVersion, &buffer)
        Self.put(UInt32(0), &buffer)
        Self.put(firstSeq, &buffer)
        Self.put(previous.timeMicros, &buffer)
        buffer += previous.hash.bytes
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Adds the next event (which must be `firstSeq + count`) as the live log stores it.
    /// - Throws: `ArchiveError.unreadable` when writing fails (a full disk among the reasons).
    func add(seq: UInt64, hash: ChainHash, timeMicros: Int64, payload: UnsafeRawBufferPointer) throws(ArchiveError) {
        precondition(seq == firstSeq + count, "segment from \(firstSeq) given seq \(seq) after \(count) events")
        Self.put(UInt32(LogRecord.headerSize + payload.count), &buffer)
        buffer += hash.bytes
        Self.put(timeMicros, &buffer)
        buffer.append(contentsOf: payload)
        count += 1
        lastHash = hash
        lastTime = timeMicros
        if buffer.count >= Self.bufferBytesMax { try flush() }
    }

    /// Writes the footer, syncs, and moves the segment to its final name (then syncs the
    /// directory, so the name survives a crash). Returns the final path.
    /// - Throws: `ArchiveError.unreadable` on any failed write, sync or rename; the final name
    ///   then does not exist.
    func seal() throws(ArchiveError) -> String {
        precondition(count > 0, "sealing an empty segment from \(firstSeq)")
        try flush()
        var footer = ArchiveSegment.footerMagic
        Self.put(count, &footer)
        footer += lastHash.bytes
        footer += Array(hasher.finalize())
        buffer = footer
        try writeBuffer()
        guard fsync(descriptor) == 0 else { throw failure("fsync") }
        let finalPath = directory + "/" + ArchiveSegment.fileName(first: firstSeq, last: firstSeq + count - 1)
        guard rename(temporaryPath, finalPath) == 0 else { throw failure("rename to \(finalPath)") }
        try Self.syncDirectory(directory)
        return finalPath
    }

    /// fsyncs a directory so a rename or unlink in it is durable.
    /// - Throws: `ArchiveError.unreadable`.
    static func syncDirectory(_ directory: String) throws(ArchiveError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: directory, reason: "cannot open to sync: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .unreadable(path: directory, reason: "fsync: \(String(cString: strerror(errno)))") }
    }

    private func flush() throws(ArchiveError) {
        buffer.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        try writeBuffer()
    }

    private func writeBuffer() throws(ArchiveError) {
        var written = 0
        while written < buffer.count {
            let n = buffer.withUnsafeBytes { bytes in
                bytes.baseAddress.map { write(descriptor, $0 + written, bytes.count - written) } ?? 0
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("write") }
            written += n
        }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func failure(_ operation: String) -> ArchiveError {
        let reason = errno == ENOSPC ? "no space left on device" : String(cString: strerror(errno))
        return .unreadable(path: temporaryPath, reason: "\(operation): \(reason)")
    }

    private static func put<I: FixedWidthInteger>(_ value: I, _ buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }
}
