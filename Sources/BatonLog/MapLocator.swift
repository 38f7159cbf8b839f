import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds where LMDB mapped the data file in this process, so values can be checked against the
/// end of the file before anything reads them (see `Transaction.buffer`).
///
/// LMDB does not say where its map is (`me_mapaddr` is set only for fixed maps), so the map is
/// the entry of `/proc/self/maps` that holds a pointer LMDB handed out from a committed page.
/// Read only when the map is created or moved (open, growth, adopting another process's size).
enum MapLocator {
    /// The most lines of `/proc/self/maps` read.
    static let linesMax = 1 << 20

    /// `[start, end)` of the mapping that contains `pointer`, or nil when there is no such
    /// mapping or the table cannot be read (then nothing is checked, as before).
    static func mapping(containing pointer: UnsafeRawPointer) -> (start: UInt, end: UInt)? {
        let address = UInt(bitPattern: pointer)
        guard let file = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        for _ in 0..<linesMax {
            guard getline(&line, &capacity, file) > 0, let text = line else { return nil }
            // "start-end perms offset dev inode path": the range is the first field, in hex.
            let range = String(cString: text).prefix { $0 != " " }
            guard let dash = range.firstIndex(of: "-"),
                  let start = UInt(range[..<dash], radix: 16),
                  let end = UInt(range[range.index(after: dash)...], radix: 16) else { continue }
            if address >= start && address < end { return (start, end) }
        }
        return nil
    }

    /// A pointer into the map: the first key of the main database (which names the Baton
    /// databases once they exist), read in a short read transaction.
    static func pointerIntoMap(_ env: OpaquePointer) -> UnsafeRawPointer? {
        var handle: OpaquePointer?
        guard mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &handle) == 0, let txn = handle else { return nil }
        defer { mdb_txn_abort(txn) }
        var dbi: MDB_dbi = 0
        guard mdb_dbi_open(txn, nil, 0, &dbi) == 0 else { return nil }
        var cursorHandle: OpaquePointer?
        guard mdb_cursor_open(txn, dbi, &cursorHandle) == 0, let cursor = cursorHandle else { return nil }
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        guard mdb_cursor_get(cursor, &key, &value, MDB_FIRST) == 0, let data = key.mv_data else { return nil }
        return UnsafeRawPointer(data)
    }
}
