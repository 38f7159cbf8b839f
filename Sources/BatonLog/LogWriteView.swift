/// What a decide closure sees inside the write transaction, after the log has been caught up:
/// the head, the time its events will carry, and read access to everything up to the head
/// (including events appended earlier in the same group commit).
///
/// Valid only during the closure; using it afterwards traps.
public final class LogWriteView {
    private let transaction: Transaction
    private let events: UInt32
    /// The last sequence number in the log as this closure runs.
    public let head: UInt64
    /// The first sequence number the live log holds (above 1 once compacted).
    public let firstSeq: UInt64
    /// The time the events this closure returns will carry.
    public let timeMicros: Int64
    private var isValid = true

    init(transaction: Transaction, events: UInt32, head: UInt64, firstSeq: UInt64, timeMicros: Int64) {
        self.transaction = transaction
        self.events = events
        self.head = head
        self.firstSeq = firstSeq
        self.timeMicros = timeMicros
    }

    func invalidate() { isValid = false }

    /// Up to `limit` records starting at `seq`, copied out.
    /// - Throws: `LogError` on a damaged store.
    /// - Complexity: O(records returned).
    public func records(from seq: UInt64, limit: Int) throws(LogError) -> [LogRecord] {
        precondition(isValid, "LogWriteView used after its decide closure returned")
        return try RecordReader.read(transaction, events, from: seq, limit: limit)
    }
}

