import CLMDB

/// An open LMDB transaction. Valid only inside the closure it was handed to; byte buffers it
/// returns are valid only until that closure returns, so callers copy what they keep.
struct Transaction {
    let txn: OpaquePointer
    let path: String
    /// Where the data file's pages lie in memory: a value LMDB hands out inside the map must end
    /// before `usedEnd`. A damaged node length can point past the end of the file, and touching
    /// a mapped page beyond the end of the file raises SIGBUS; checked here, it is a named error.
    let map: MapBounds

    /// The mapped data file: `[start, end)` is the map, `[start, usedEnd)` the pages it holds.
    struct MapBounds {
        let start: UInt
        let end: UInt
        let usedEnd: UInt

        /// No map known (nothing is checked).
        static let unchecked = MapBounds(start: 0, end: 0, usedEnd: 0)
    }

    /// `value` as a buffer, once it is known to lie inside the file's pages (a value outside the
    /// map lives in a write transaction's own memory, and is not checked).
    /// - Throws: `LogError.corruptStore` when it reaches past the pages the file holds.
    func buffer(_ value: MDB_val, _ what: @autoclosure () -> String) throws(LogError) -> UnsafeRawBufferPointer {
        guard let base = value.mv_data else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let address = UInt(bitPattern: base)
        if address >= map.start && address < map.end {
            let (end, overflow) = address.addingReportingOverflow(UInt(value.mv_size))
            guard !overflow, end <= map.usedEnd else {
                throw .corruptStore(path: path, reason: "\(what()) claims \(value.mv_size) bytes, reaching past the end of data.mdb")
            }
        }
        return UnsafeRawBufferPointer(start: base, count: value.mv_size)
    }

    /// Opens a named database.
    /// - Throws: `LogError.directoryUnusable` when it does not exist and `flags` lacks `MDB_CREATE`.
    func openDatabase(_ name: String, flags: UInt32) throws(LogError) -> MDB_dbi {
        var dbi: MDB_dbi = 0
        let rc = mdb_dbi_open(txn, name, flags, &dbi)
        if rc == MDB_NOTFOUND { throw .directoryUnusable(path: path, reason: "no Baton log here (database \"\(name)\" is missing)") }
        try LMDBEnvironment.check(rc, path: path, "open database \(name)")
        return dbi
    }

    /// The value under `key`, or nil.
    func get(_ dbi: MDB_dbi, key: [UInt8]) throws(LogError) -> UnsafeRawBufferPointer? {
        var mutableKey = key
        var v = MDB_val()
        let rc = mutableKey.withUnsafeMutableBytes { keyBytes in
            var k = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
            return mdb_get(txn, dbi, &k, &v)
        }
        if rc == MDB_NOTFOUND { return nil }
        try LMDBEnvironment.check(rc, path: path, "get")
        return try buffer(v, "a stored value")
    }

    /// Stores `value` under `key` (no special flags).
    func put(_ dbi: MDB_dbi, key: [UInt8], value: [UInt8]) throws(LogError) {
        var mutableKey = key
        var mutableValue = value
        let rc = mutableKey.withUnsafeMutableBytes { keyBytes in
            mutableValue.withUnsafeMutableBytes { valueBytes in
                var k = MDB_val(mv_size: keyBytes.count, mv_data: keyBytes.baseAddress)
                var v = MDB_val(mv_size: valueBytes.count, mv_data: valueBytes.baseAddress)
                return mdb_put(txn, dbi, &k, &v, 0)
            }
        }
        try LMDBEnvironment.check(rc, path: path, "put")
    }

    /// Reserves `size` bytes for a new last key `seq` (`MDB_APPEND | MDB_RESERVE`) and returns
    /// the buffer to fill before the transaction commits.
    /// - Throws: `LogError.lmdb` with `MDB_KEYEXIST` if `seq` is not above the last key,
    ///   `MDB_MAP_FULL` when the map must grow.
    func reserveAppend(_ dbi: MDB_dbi, seq: UInt64, size: Int) throws(LogError) -> UnsafeMutableRawBufferPointer {
        var key = seq.bigEndian
        var v = MDB_val(mv_size: size, mv_data: nil)
        let rc = withUnsafeMutableBytes(of: &key) { keyBytes in
            var k = MDB_val(mv_size: 8, mv_data: keyBytes.baseAddress)
            return mdb_put(txn, dbi, &k, &v, UInt32(MDB_APPEND) | UInt32(MDB_RESERVE))
        }
        try LMDBEnvironment.check(rc, path: path, "append seq \(seq)")
        return UnsafeMutableRawBufferPointer(start: v.mv_data, count: size)
    }

    /// The last key (as a big-endian UInt64) and its value, or nil for an empty database.
    func last(_ dbi: MDB_dbi) throws(LogError) -> (seq: UInt64, value: UnsafeRawBufferPointer)? {
        var found: (UInt64, UnsafeRawBufferPointer)?
        try scan(dbi, from: nil, reverse: true) { seq, value in
            found = (seq, value)
            return false
        }
        return found
    }

    /// Visits entries in key order from the first key ≥ `from` (or from the start), or backwards
    /// from the last key when `reverse`; `visit` returns false to stop.
    func scan(_ dbi: MDB_dbi, from: UInt64?, reverse: Bool = false, _ visit: (UInt64, UnsafeRawBufferPointer) throws(LogError) -> Bool) throws(LogError) {
        var cursorHandle: OpaquePointer?
        try LMDBEnvironment.check(mdb_cursor_open(txn, dbi, &cursorHandle), path: path, "open cursor")
        guard let cursor = cursorHandle else { return }
        defer { mdb_cursor_close(cursor) }
        // The cursor copies the start key on MDB_SET_RANGE, so the key bytes need only live
        // through the first positioning call.
        var start = (from ?? 0).bigEndian
        var k = MDB_val()
        var v = MDB_val()
        let firstOp = reverse ? MDB_LAST : (from == nil ? MDB_FIRST : MDB_SET_RANGE)
        var rc = withUnsafeMutableBytes(of: &start) { startBytes in
            k = MDB_val(mv_size: 8, mv_data: startBytes.baseAddress)
            return mdb_cursor_get(cursor, &k, &v, firstOp)
        }
        let step = reverse ? MDB_PREV : MDB_NEXT
        while rc != MDB_NOTFOUND {
            try LMDBEnvironment.check(rc, path: path, "read cursor")
            guard k.mv_size == 8, let keyBase = try buffer(k, "a key").baseAddress else {
                throw .corruptStore(path: path, reason: "a key of \(k.mv_size) bytes in a database of 8-byte keys")
            }
            let seq = UInt64(bigEndian: keyBase.loadUnaligned(as: UInt64.self))
            guard try visit(seq, try buffer(v, "the value of key \(seq)")) else { return }
            rc = mdb_cursor_get(cursor, &k, &v, step)
        }
    }

    /// Deletes every entry with a key in `from...through` (keys as big-endian UInt64) and
    /// returns how many there were.
    /// - Throws: `LogError` on a failed cursor operation (the transaction must then be aborted).
    func deleteRange(_ dbi: MDB_dbi, from: UInt64, through: UInt64) throws(LogError) -> UInt64 {
        guard from <= through else { return 0 }
        var cursorHandle: OpaquePointer?
        try LMDBEnvironment.check(mdb_cursor_open(txn, dbi, &cursorHandle), path: path, "open cursor")
        guard let cursor = cursorHandle else { return 0 }
        defer { mdb_cursor_close(cursor) }
        var start = from.bigEndian
        var k = MDB_val()
        var v = MDB_val()
        var rc = withUnsafeMutableBytes(of: &start) { startBytes in
            k = MDB_val(mv_size: 8, mv_data: startBytes.baseAddress)
            return mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE)
        }
        var deleted: UInt64 = 0
        while rc != MDB_NOTFOUND {
            try LMDBEnvironment.check(rc, path: path, "read cursor")
            guard k.mv_size == 8, let keyBase = try buffer(k, "a key").baseAddress else {
                throw .corruptStore(path: path, reason: "a key of \(k.mv_size) bytes in a database of 8-byte keys")
            }
            guard UInt64(bigEndian: keyBase.loadUnaligned(as: UInt64.self)) <= through else { break }
            try LMDBEnvironment.check(mdb_cursor_del(cursor, 0), path: path, "delete")
            deleted += 1
            // After a delete the cursor already rests on the next entry; MDB_NEXT returns it.
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)
        }
        return deleted
    }
}
