import Foundation

/// The archive directory of a compacted log: sealed segments that hold, in order and without a
/// gap, every event from seq 1 up to (at least) the one before the live log's floor.
public struct Archive: Sendable {
    /// The directory.
    public let path: String

    /// One sealed segment file and the range its name claims.
    struct Entry: Sendable {
        let range: ClosedRange<UInt64>
        let path: String
        var name: String { URL(fileURLWithPath: path).lastPathComponent }
    }

    /// The archive in `path` (which need not exist yet).
    public init(path: String) { self.path = path }

    /// The sealed segments in order; checks their names form one run from seq 1 without gaps
    /// or overlaps. A missing directory is an empty archive.
    /// - Throws: `ArchiveError.unreadable`, `.broken`.
    func entries() throws(ArchiveError) -> [Entry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
            return []
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let entries = names.compactMap { name in ArchiveSegment.range(ofFileName: name).map { Entry(range: $0, path: path + "/" + name) } }
            .sorted { $0.range.lowerBound < $1.range.lowerBound }
        var next: UInt64 = 1
        for entry in entries {
            guard entry.range.lowerBound == next else {
                let problem = entry.range.lowerBound > next ? "events \(next)...\(entry.range.lowerBound - 1) are missing" : "segments overlap at event \(entry.range.lowerBound)"
                throw .broken(path: path, reason: "\(problem) (next segment: \(entry.name))")
            }
            next = entry.range.upperBound + 1
        }
        return entries
    }

    /// The last sequence number archived (0 for an empty archive).
    /// - Throws: what `entries` throws.
    public func lastSeq() throws(ArchiveError) -> UInt64 {
        try entries().last?.range.upperBound ?? 0
    }

    /// Removes the temporary files a compaction that crashed left behind.
    /// - Throws: `ArchiveError.unreadable` when one cannot be removed.
    func removeTemporaries() throws(ArchiveError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where name.hasPrefix(ArchiveSegmentWriter.temporaryPrefix) {
            do {
                try FileManager.default.removeItem(atPath: path + "/" + name)
            } catch {
                throw .unreadable(path: path + "/" + name, reason: "cannot remove a leftover temporary segment: \(error.localizedDescription)")
            }
        }
    }

    /// Replays the archived events from `start` through `end` (or the archive's last), checking
    /// every record's link, the links between segments, and each segment's footer. See
    /// `EventLog.replay`; a break's reason names the segment file.
    /// - Throws: `ArchiveError` when a segment cannot be read or parsed, or what the closures throw.
    /// - Complexity: O(events replayed + size of the segments touched).
    func replay<T: Sendable>(
        from start: UInt64, through end: UInt64, shape: ReplayShape,
        transform: @escaping @Sendable (UInt64, Int64, UnsafeRawBufferPointer) throws -> T,
        consume: (ReplayedRecord, T) throws -> Void
    ) throws -> ChainReport {
        var report = ChainReport(checked: 0, lastSeq: start - 1, lastHash: .genesis, firstBreak: nil)
        var isFirst = true
        for entry in try entries() where entry.range.upperBound >= start && entry.range.lowerBound <= end {
            let segment = try ArchiveSegment.open(entry.path)
            let low = max(start, segment.firstSeq)
            let high = min(end, segment.lastSeq)
            if let problem = Self.headerProblem(segment, entry, isFirst: isFirst, low: low, before: report.lastHash) {
                return report.broken(at: low, "archive segment \(entry.name): \(problem)")
            }
            isFirst = false
            let part = try EventLog.replayWaves(
                start: low, end: high, shape: shape, previous: segment.link(before: low).hash,
                verify: { range in try ReplayPage.verify(segment, range, transform) }, consume: consume)
            report = report.followed(by: part)
            if let bad = part.firstBreak {
                return report.broken(at: bad.seq, "archive segment \(entry.name): \(bad.reason)")
            }
            if high == segment.lastSeq, segment.lastHash != part.lastHash {
                return report.broken(at: high, "archive segment \(entry.name): the footer seals last hash \(segment.lastHash.hex.prefix(12))…, but its last record's is \(part.lastHash.hex.prefix(12))…")
            }
            if !segment.checksumMatches {
                return report.broken(at: segment.firstSeq, "archive segment \(entry.name): the footer checksum does not match the file: a byte outside the records' hashed bytes (header, a length field or the footer) is damaged")
            }
        }
        return report
    }

    /// Why a segment's header does not fit where it sits, or nil.
    private static func headerProblem(_ segment: ArchiveSegment, _ entry: Entry, isFirst: Bool, low: UInt64, before: ChainHash) -> String? {
        if segment.firstSeq != entry.range.lowerBound || segment.lastSeq != entry.range.upperBound {
            return "its name claims events \(entry.range.lowerBound)...\(entry.range.upperBound) but it holds \(segment.firstSeq)...\(segment.lastSeq)"
        }
        guard low == segment.firstSeq else { return nil }
        if segment.firstSeq == 1, segment.previous.hash != .genesis {
            return "the first segment does not start from the genesis link"
        }
        if !isFirst, segment.previous.hash != before {
            return "it does not link onto the segment before it (previous hash \(segment.previous.hash.hex.prefix(12))…, expected \(before.hex.prefix(12))…)"
        }
        return nil
    }
}

extension ReplayPage {
    /// Verifies and transforms `range` of an archive segment.
    /// - Throws: `LogError.transformFailed` naming the segment and record.
    static func verify(_ segment: ArchiveSegment, _ range: ClosedRange<UInt64>, _ transform: (UInt64, Int64, UnsafeRawBufferPointer) throws -> T) throws(LogError) -> ReplayPage<T> {
        var page = ReplayPage(capacity: range.count)
        var previous = segment.link(before: range.lowerBound)
        segment.scan(from: range.lowerBound, through: range.upperBound) { seq, value in
            page.accept(seq: seq, value: value, previous: &previous, transform)
        }
        if let failure = page.transformFailure { throw .transformFailed(path: segment.path, seq: failure.seq, reason: failure.reason) }
        return page
    }
}
