import CLMDB
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The LMDB environment of one data directory and its three named databases.
///
/// Threading: read transactions may run on any thread (the environment is opened with
/// `MDB_NOTLS`); write transactions run only on the group committer's thread. Every transaction
/// holds `gate` shared, so growing the map (which LMDB allows only with no transaction open in
/// this process) holds it exclusively.
final class LMDBEnvironment: @unchecked Sendable {
    // Safety: `env` and the dbi handles are set once in `open` and never change; `mapBytes` and
    // `isClosed` change only under `gate` held exclusively and are read under `gate` held shared.
    let path: String
    let readOnly: Bool
    let maxMapBytes: Int
    private let env: OpaquePointer
    private(set) var events: MDB_dbi = 0
    private(set) var snapshots: MDB_dbi = 0
    private(set) var meta: MDB_dbi = 0
    private(set) var mapBytes: Int
    /// LMDB's page size for this environment.
    private let pageBytes: Int
    /// Where the data file is mapped (nil until the databases exist, or when it cannot be found).
    private let mapRange = Mutex<(start: UInt, end: UInt)?>(nil)
    private var isClosed = false
    private let gate = ReadWriteLock()

    /// The named databases and the meta keys the log uses.
    static let databaseCount: UInt32 = 4
    static let formatVersionKey = Array("format_version".utf8)
    static let floorKey = Array("floor".utf8)
    static let archiveKey = Array("archive".utf8)

    private init(path: String, readOnly: Bool, env: OpaquePointer, mapBytes: Int, maxMapBytes: Int) {
        self.path = path
        self.readOnly = readOnly
        self.env = env
        self.mapBytes = mapBytes
        self.maxMapBytes = maxMapBytes
        var environmentStat = MDB_stat()
        mdb_env_stat(env, &environmentStat)
        self.pageBytes = Int(environmentStat.ms_psize)
    }

    deinit { close() }

    /// Opens (or, unless read-only, creates) the environment in `path`.
    /// - Throws: `LogError.directoryUnusable`, `.corruptStore`, `.lmdb`.
    static func open(path: String, readOnly: Bool, initialMapBytes: Int, maxMapBytes: Int, extraFlags: UInt32 = 0) throws(LogError) -> LMDBEnvironment {
        var handle: OpaquePointer?
        try check(mdb_env_create(&handle), path: path, "create environment")
        guard let env = handle else { throw .lmdb(path: path, operation: "create environment", code: 0, message: "no handle") }
        let flags = UInt32(MDB_NOTLS) | (readOnly ? UInt32(MDB_RDONLY) : 0) | extraFlags
        var rc = mdb_env_set_maxdbs(env, databaseCount)
        if rc == 0 { rc = mdb_env_set_mapsize(env, initialMapBytes) }
        if rc == 0 { rc = mdb_env_open(env, path, flags, 0o644) }
        if rc != 0 {
            mdb_env_close(env)
            throw openError(rc, path: path)
        }
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        let environment = LMDBEnvironment(path: path, readOnly: readOnly, env: env, mapBytes: max(info.me_mapsize, initialMapBytes), maxMapBytes: maxMapBytes)
        if extraFlags & UInt32(MDB_NOSUBDIR) == 0 { try environment.checkFileLength(lastPage: info.me_last_pgno) }
        return environment
    }

    /// Closes the environment once no transaction is open. Idempotent.
    func close() {
        gate.withExclusive {
            guard !isClosed else { return }
            isClosed = true
            mdb_env_close(env)
        }
    }

    /// Runs `body` in a short read transaction. Bytes handed to `body` are valid only inside it.
    /// - Throws: `LogError.closed`, `.lmdb`, or what `body` throws.
    func read<T>(_ body: (Transaction) throws(LogError) -> T) throws(LogError) -> T {
        try withTransaction(flags: UInt32(MDB_RDONLY), commit: false, body)
    }

    /// Runs `body` in a write transaction and commits it (with fsync) when `body` returns.
    /// Called only from the committer thread.
    /// - Throws: `LogError.readOnly`, `.diskFull`, `.lmdb` (MDB_MAP_FULL among them), or what `body` throws.
    func write<T>(_ body: (Transaction) throws(LogError) -> T) throws(LogError) -> T {
        guard !readOnly else { throw .readOnly(path: path) }
        return try withTransaction(flags: 0, commit: true, body)
    }

    /// Doubles the map size (up to `maxMapBytes`).
    /// - Throws: `LogError.mapLimitReached` when already at the maximum.
    func grow() throws(LogError) {
        try gate.withExclusive { () throws(LogError) in
            guard !isClosed else { throw .closed(path: path) }
            guard mapBytes < maxMapBytes else { throw .mapLimitReached(path: path, bytes: mapBytes) }
            let target = min(mapBytes * 2, maxMapBytes)
            try Self.check(mdb_env_set_mapsize(env, target), path: path, "grow map to \(target) bytes")
            mapBytes = target
            locateMap()
        }
    }

    /// Writes a compacted copy of the environment (free pages left out) to `descriptor`.
    /// - Throws: `LogError.diskFull`, `.lmdb`.
    func copyCompacted(to descriptor: Int32) throws(LogError) {
        try gate.withShared { () throws(LogError) in
            guard !isClosed else { throw .closed(path: path) }
            try Self.check(mdb_env_copyfd2(env, descriptor, UInt32(MDB_CP_COMPACT)), path: path, "copy the environment compacted")
        }
    }

    /// Opens the named databases, creating them and the format marker on a new log.
    func openDatabases(formatVersion: UInt32) throws(LogError) {
        let create = readOnly ? 0 : UInt32(MDB_CREATE)
        let body = { (txn: Transaction) throws(LogError) -> Void in
            self.events = try txn.openDatabase("events", flags: create)
            self.snapshots = try txn.openDatabase("snapshots", flags: create)
            self.meta = try txn.openDatabase("meta", flags: create)
            try self.checkFormat(txn, formatVersion: formatVersion)
        }
        // Handles opened in a transaction survive only if it commits, read-only ones included.
        try withTransaction(flags: readOnly ? UInt32(MDB_RDONLY) : 0, commit: true, body)
        locateMap()
    }

    private func checkFormat(_ txn: Transaction, formatVersion: UInt32) throws(LogError) {
        if let stored = try txn.get(meta, key: Self.formatVersionKey) {
            guard stored.count == 4 else { throw .corruptStore(path: path, reason: "format marker is \(stored.count) bytes, expected 4") }
            let found = stored.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard found == formatVersion else { throw .unsupportedFormat(path: path, found: found, supported: formatVersion) }
            return
        }
        if try txn.last(events) != nil {
            throw .corruptStore(path: path, reason: "events are present but the format marker is missing")
        }
        guard !readOnly else { throw .directoryUnusable(path: path, reason: "no Baton log here") }
        let bytes = withUnsafeBytes(of: formatVersion.bigEndian) { Array($0) }
        try txn.put(meta, key: Self.formatVersionKey, value: bytes)
    }

    private func withTransaction<T>(flags: UInt32, commit: Bool, _ body: (Transaction) throws(LogError) -> T) throws(LogError) -> T {
        try gate.withShared { () throws(LogError) -> T in
            guard !isClosed else { throw .closed(path: path) }
            var handle: OpaquePointer?
            var rc = mdb_txn_begin(env, nil, flags, &handle)
            if rc == MDB_MAP_RESIZED {
                // Another process grew the map: adopt its size, then begin again.
                rc = mdb_env_set_mapsize(env, 0)
                if rc == 0 { locateMap() }
                if rc == 0 { rc = mdb_txn_begin(env, nil, flags, &handle) }
            }
            try Self.check(rc, path: path, "begin transaction")
            guard let txn = handle else { throw .lmdb(path: path, operation: "begin transaction", code: 0, message: "no handle") }
            let result: T
            do throws(LogError) {
                result = try body(Transaction(txn: txn, path: path, map: mapBounds()))
            } catch {
                mdb_txn_abort(txn)
                throw error
            }
            if commit {
                try Self.check(mdb_txn_commit(txn), path: path, "commit")
            } else {
                mdb_txn_abort(txn)
            }
            return result
        }
    }

    /// Where the map and the pages of the newest commit lie now (every page a transaction begun
    /// before this call can reach is below `usedEnd`).
    private func mapBounds() -> Transaction.MapBounds {
        guard let (start, end) = mapRange.withLock({ $0 }) else { return .unchecked }
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        let (used, overflow) = (info.me_last_pgno + 1).multipliedReportingOverflow(by: pageBytes)
        guard !overflow, used >= 0, start + UInt(used) <= end else { return .unchecked }
        return Transaction.MapBounds(start: start, end: end, usedEnd: start + UInt(used))
    }

    /// Finds the map again; called whenever LMDB may have created or moved it.
    private func locateMap() {
        let range = MapLocator.pointerIntoMap(env).flatMap(MapLocator.mapping(containing:))
        mapRange.withLock { $0 = range }
    }

    /// A data file shorter than the pages LMDB's meta page names would fault on first touch.
    private func checkFileLength(lastPage: Int) throws(LogError) {
        var environmentStat = MDB_stat()
        mdb_env_stat(env, &environmentStat)
        var fileInfo = stat()
        guard stat(path + "/data.mdb", &fileInfo) == 0 else { return }
        let needed = (lastPage + 1) * Int(environmentStat.ms_psize)
        if Int(fileInfo.st_size) < needed {
            close()
            throw .corruptStore(path: path, reason: "data.mdb is \(fileInfo.st_size) bytes but its pages reach \(needed) bytes (truncated)")
        }
    }

    private static func openError(_ rc: Int32, path: String) -> LogError {
        switch rc {
        case MDB_INVALID: return .corruptStore(path: path, reason: "data.mdb is not an LMDB file (bad header)")
        case MDB_VERSION_MISMATCH: return .corruptStore(path: path, reason: "data.mdb was written by an incompatible LMDB version")
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_PANIC: return .corruptStore(path: path, reason: message(rc))
        case ENOENT: return .directoryUnusable(path: path, reason: "no such directory")
        case EACCES, EPERM, EROFS: return .directoryUnusable(path: path, reason: "permission denied (\(message(rc)))")
        case ENOTDIR: return .directoryUnusable(path: path, reason: "not a directory")
        case ENOSPC: return .diskFull(path: path)
        default: return .lmdb(path: path, operation: "open environment", code: rc, message: message(rc))
        }
    }

    /// Maps an LMDB return code to a `LogError` naming the operation.
    static func check(_ rc: Int32, path: String, _ operation: @autoclosure () -> String) throws(LogError) {
        guard rc != 0 else { return }
        switch rc {
        case ENOSPC, EDQUOT: throw .diskFull(path: path)
        // LMDB turns a short write into EIO: on a device that is (nearly) full, that is ENOSPC.
        case EIO where isNearlyFull(path): throw .diskFull(path: path)
        case MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_PANIC: throw .corruptStore(path: path, reason: "\(operation()): \(message(rc))")
        default: throw .lmdb(path: path, operation: operation(), code: rc, message: message(rc))
        }
    }

    /// Free space below which a failed write is blamed on a full device: a few MiB, more than
    /// one commit of the biggest batch writes in the pages it touches.
    static let nearlyFullBytes: UInt64 = 4 << 20

    /// Whether the file system holding `path` has less than `nearlyFullBytes` free for this user.
    static func isNearlyFull(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize) < nearlyFullBytes
    }

    static func message(_ rc: Int32) -> String {
        guard let text = mdb_strerror(rc) else { return "error \(rc)" }
        return String(cString: text)
    }
}
