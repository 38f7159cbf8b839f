import Glibc

/// Small, bounded file operations on an attempt directory (POSIX calls, no Foundation).
enum AttemptFiles {
    /// How a bounded read went.
    enum ReadResult: Equatable {
        case missing
        case tooLarge
        case bytes([UInt8])
        case failed(errno: Int32)
    }

    /// The whole file if it has at most `bytesMax` bytes.
    static func read(at path: String, bytesMax: Int) -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno == ENOENT ? .missing : .failed(errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: bytesMax + 1)
        var filled = 0
        // Each read returns at least one byte or ends the loop, so it runs at most bytesMax + 1 times.
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw in
                Glibc.read(fd, raw.baseAddress.map { $0 + filled }, raw.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return .failed(errno: errno) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= bytesMax else { return .tooLarge }
        return .bytes(Array(buffer[..<filled]))
    }

    /// The file as UTF-8 text (invalid bytes repaired), or nil if missing, unreadable or too large.
    static func readText(at path: String, bytesMax: Int) -> String? {
        guard case .bytes(let bytes) = read(at: path, bytesMax: bytesMax) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The last `bytesMax` bytes of a file as text ("" when missing).
    static func readTail(at path: String, bytesMax: Int) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0, lseek(fd, max(0, size - off_t(bytesMax)), SEEK_SET) >= 0 else { return "" }
        var buffer = [UInt8](repeating: 0, count: bytesMax)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    /// True when `path` exists (any kind of file).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Writes `text` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
    /// - Returns: 0, or the `errno` of the step that failed.
    static func writeAtomically(_ text: String, to path: String, directory: String) -> Int32 {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return errno }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = written == bytes.count ? fsync(fd) : -1
        let error = errno
        close(fd)
        guard written == bytes.count, synced == 0 else { return written < 0 || synced != 0 ? error : EIO }
        guard rename(temporary, path) == 0 else { return errno }
        return syncDirectory(directory)
    }

    /// fsyncs a directory so a rename or mkdir in it survives a machine crash.
    static func syncDirectory(_ path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return fsync(fd) == 0 ? 0 : errno
    }

    /// `mkdir -p` for `path` (each missing component with `mode`).
    /// - Returns: 0, or the `errno` of the component that failed.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Int32 {
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST { return errno }
        }
        return 0
    }

    /// Text for an `errno` value.
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
