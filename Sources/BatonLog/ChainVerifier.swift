/// The outcome of walking a stretch of the chain.
public struct ChainReport: Sendable, Equatable {
    /// A record whose stored link disagrees with what its bytes and predecessor imply.
    public struct Break: Sendable, Equatable, CustomStringConvertible {
        /// The first sequence number found bad.
        public let seq: UInt64
        /// Why, e.g. `stored hash 3fa0… differs from computed 9b1c…`.
        public let reason: String
        public var description: String { "seq \(seq): \(reason)" }
    }

    /// How many records were checked.
    public let checked: UInt64
    /// The last sequence number checked (the start minus one when none were).
    public let lastSeq: UInt64
    /// The stored hash of the last record checked.
    public let lastHash: ChainHash
    /// The first break, or nil when the stretch verifies.
    public let firstBreak: Break?

    /// True when nothing was wrong.
    public var isIntact: Bool { firstBreak == nil }
}

extension EventLog {
    /// Recomputes every link from `seq` through `last` (or the head): the hash of each record
    /// over its predecessor's stored hash, its sequence, time and payload; that sequence numbers
    /// have no gaps; that time never decreases. Stops at the first break.
    ///
    /// Each record is checked against its predecessor's *stored* hash, so one damaged record is
    /// named by itself and not by everything after it. `visit` sees every record that verified,
    /// in order, so a replay can fold events while it checks them.
    /// - Throws: `LogError` when the store cannot be read at all.
    /// - Complexity: O(records); scans the log.
    public func verifyChain(from seq: UInt64? = nil, through last: UInt64 = .max, visit: (LogRecord) throws -> Void = { _ in }) throws -> ChainReport {
        let start = try seq ?? firstSeq()
        var (previousHash, previousTime) = try previousLink(before: start)
        var checked: UInt64 = 0
        var lastSeq = start - 1
        var firstBreak: ChainReport.Break?
        do {
            try forEach(from: start, through: last) { record in
                let computed = ChainHash.link(previous: previousHash, seq: record.seq, timeMicros: record.timeMicros, payload: record.payload)
                if computed != record.hash {
                    firstBreak = .init(seq: record.seq, reason: "stored hash \(record.hash.hex.prefix(12))… differs from computed \(computed.hex.prefix(12))…")
                } else if record.timeMicros < previousTime {
                    firstBreak = .init(seq: record.seq, reason: "time \(record.timeMicros) is before the previous event's \(previousTime)")
                }
                if firstBreak != nil { throw StopScan() }
                try visit(record)
                previousHash = record.hash
                previousTime = record.timeMicros
                lastSeq = record.seq
                checked += 1
            }
        } catch is StopScan {
        } catch let error as LogError {
            guard case .corruptStore(_, let reason) = error else { throw error }
            firstBreak = .init(seq: lastSeq + 1, reason: reason)
        }
        return ChainReport(checked: checked, lastSeq: lastSeq, lastHash: previousHash, firstBreak: firstBreak)
    }
}

/// Ends a scan early once the first break is found.
private struct StopScan: Error {}
