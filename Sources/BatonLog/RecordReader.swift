/// Reads contiguous records out of a transaction, checking on the way that sequence numbers
/// have no gaps (the read half of the paired assertion the writer makes).
enum RecordReader {
    /// The most records one page read returns.
    static let pageLimit = 65_536

    /// Up to `limit` records from `seq` on, copied out of the transaction.
    /// - Throws: `LogError.corruptStore` on a gap, `.malformedRecord` on a short value.
    static func read(_ txn: Transaction, _ dbi: UInt32, from seq: UInt64, limit: Int) throws(LogError) -> [LogRecord] {
        let bound = min(max(limit, 0), pageLimit)
        guard bound > 0 else { return [] }
        var records: [LogRecord] = []
        records.reserveCapacity(min(bound, 4096))
        var expected = seq
        let path = txn.path
        try txn.scan(dbi, from: seq) { (key, value) throws(LogError) -> Bool in
            guard key == expected else {
                throw .corruptStore(path: path, reason: "sequence gap: expected \(expected), found \(key)")
            }
            guard let record = LogRecord.decode(seq: key, value: value) else {
                throw .malformedRecord(path: path, seq: key, bytes: value.count)
            }
            records.append(record)
            expected += 1
            return records.count < bound
        }
        return records
    }
}
