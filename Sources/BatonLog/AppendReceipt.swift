/// What a durable append acknowledged: the sequence numbers it was given, after fsync.
public struct AppendReceipt: Sendable, Equatable {
    /// The first sequence number written; `lastSeq + 1` when nothing was written.
    public let firstSeq: UInt64
    /// The last sequence number written, or the head before the append when nothing was written.
    public let lastSeq: UInt64
    /// The time the writer gave every event of the append.
    public let timeMicros: Int64

    /// The number of events written.
    public var count: Int { Int(lastSeq + 1 - firstSeq) }
}
