import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory `flock` on a file in the log directory, held until released or the process dies
/// (a SIGKILL releases it too, so no stale lock outlives its holder).
///
/// Two locks coordinate processes: every open log holds `users.lock` shared, so `compact
/// --shrink`, which swaps the data file, can take it exclusively only when nobody else has the
/// log open; and a compaction holds `compact.lock` exclusively, so two never interleave.
final class FileLock: Sendable {
    private let descriptor: Mutex<Int32>

    static let usersFile = "users.lock"
    static let compactFile = "compact.lock"

    private init(descriptor: Int32) { self.descriptor = Mutex(descriptor) }

    deinit { release() }

    /// The shared hold every open log keeps. A read-only open where the file does not exist
    /// (nothing writable ever opened the log) holds nothing.
    /// - Throws: `LogError.directoryUnusable` while a shrink holds it exclusively.
    static func users(directory: String, readOnly: Bool) throws(LogError) -> FileLock {
        try take(directory + "/" + usersFile, exclusive: false, create: !readOnly) { path in
            .directoryUnusable(path: directory, reason: "`baton compact --shrink` is rewriting this log; try again when it has finished")
        }
    }

    /// Takes `name` in `directory` exclusively, without waiting.
    /// - Throws: `busy(path)` when another holder has it; `LogError.directoryUnusable` when the
    ///   file cannot be opened.
    static func exclusive(directory: String, name: String, busy: (String) -> LogError) throws(LogError) -> FileLock {
        try take(directory + "/" + name, exclusive: true, create: true, busy: busy)
    }

    private static func take(_ path: String, exclusive: Bool, create: Bool, busy: (String) -> LogError) throws(LogError) -> FileLock {
        let fd = create ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if !create && errno == ENOENT { return FileLock(descriptor: -1) }
            throw .directoryUnusable(path: path, reason: "cannot open lock file: \(String(cString: strerror(errno)))")
        }
        while flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { throw busy(path) }
            throw .directoryUnusable(path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
        }
        return FileLock(descriptor: fd)
    }

    /// Releases the lock. Idempotent.
    ///
    /// Unlocks before closing: a child spawned meanwhile holds a copy of the descriptor until
    /// its `exec` closes it (`O_CLOEXEC`), and a plain `close` would leave the lock held by that
    /// copy, so a compaction right after another in the same process would find it taken.
    func release() {
        descriptor.withLock { fd in
            if fd >= 0 {
                _ = flock(fd, LOCK_UN)
                close(fd)
            }
            fd = -1
        }
    }
}
