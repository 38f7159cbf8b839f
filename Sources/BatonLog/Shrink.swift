import CLMDB
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a shrink did to the data file.
public struct ShrinkReport: Sendable, Equatable {
    /// `data.mdb`'s size before, in bytes.
    public let bytesBefore: Int
    /// Its size after.
    public let bytesAfter: Int
    /// The head the copy was checked against.
    public let head: UInt64
}

extension EventLog {
    /// Rewrites the log in `directory` without its free pages (left behind by compaction) and
    /// swaps the copy in atomically: it is written beside the original, synced, opened and
    /// checked to end in the same head and hash, then renamed over `data.mdb` (and the directory
    /// synced). Needs the log closed everywhere: it fails, changing nothing, while any process
    /// has it open.
    /// - Throws: `LogError.directoryUnusable` when the log is in use; `.diskFull`, `.lmdb`,
    ///   `.corruptStore` when the copy does not match.
    /// - Complexity: O(live pages).
    public static func shrink(directory: String) throws(LogError) -> ShrinkReport {
        let lock = try FileLock.exclusive(directory: directory, name: FileLock.usersFile) { _ in
            .directoryUnusable(path: directory, reason: "the log is open in another process (a host, run, dispatcher, replay or status); stop it before shrinking")
        }
        defer { lock.release() }
        let dataPath = directory + "/data.mdb"
        let copyPath = directory + "/data.mdb.shrinking"
        let before = fileSize(dataPath)
        let original = try LMDBEnvironment.open(path: directory, readOnly: true, initialMapBytes: 0, maxMapBytes: 1 << 40)
        try original.openDatabases(formatVersion: formatVersion)
        let tip = try original.read { (txn) throws(LogError) in try ChainTip.read(txn, events: original.events, meta: original.meta) }
        let fd = open(copyPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .directoryUnusable(path: copyPath, reason: "cannot create: \(String(cString: strerror(errno)))") }
        do throws(LogError) {
            defer { Glibc.close(fd) }
            defer { original.close() }
            try original.copyCompacted(to: fd)
            guard fsync(fd) == 0 else { throw LogError.lmdb(path: copyPath, operation: "fsync the compacted copy", code: errno, message: String(cString: strerror(errno))) }
        } catch {
            unlink(copyPath)
            throw error
        }
        do throws(LogError) {
            try checkCopy(copyPath, matches: tip)
        } catch {
            unlink(copyPath)
            throw error
        }
        guard rename(copyPath, dataPath) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(copyPath)
            throw .lmdb(path: directory, operation: "rename the compacted copy over data.mdb", code: errno, message: reason)
        }
        do throws(ArchiveError) {
            try ArchiveSegmentWriter.syncDirectory(directory)
        } catch {
            throw .lmdb(path: directory, operation: "sync the directory after the swap", code: 0, message: error.description)
        }
        return ShrinkReport(bytesBefore: before, bytesAfter: fileSize(dataPath), head: tip.seq)
    }

    /// Opens the copy on its own and checks it ends where the original does.
    private static func checkCopy(_ path: String, matches tip: ChainTip) throws(LogError) {
        let copy = try LMDBEnvironment.open(path: path, readOnly: true, initialMapBytes: 0, maxMapBytes: 1 << 40,
                                            extraFlags: UInt32(MDB_NOSUBDIR) | UInt32(MDB_NOLOCK))
        defer { copy.close() }
        try copy.openDatabases(formatVersion: formatVersion)
        let copied = try copy.read { (txn) throws(LogError) in try ChainTip.read(txn, events: copy.events, meta: copy.meta) }
        guard copied == tip else {
            throw .corruptStore(path: path, reason: "the compacted copy ends at seq \(copied.seq) (\(copied.hash.hex.prefix(12))…), the log at \(tip.seq) (\(tip.hash.hex.prefix(12))…); the original is unchanged")
        }
    }

    private static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
