/// Everything the log can fail with. Each case names the operation and the offending input.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The directory could not be created or opened (permissions, not a directory, ...).
    case directoryUnusable(path: String, reason: String)
    /// The data file is not a Baton log, is truncated or is corrupt at a level LMDB detects.
    case corruptStore(path: String, reason: String)
    /// The log was written by a newer (or unknown) format version.
    case unsupportedFormat(path: String, found: UInt32, supported: UInt32)
    /// The device holding the log is full; nothing of the failed batch was written.
    case diskFull(path: String)
    /// The map reached its maximum size; nothing of the failed batch was written.
    case mapLimitReached(path: String, bytes: Int)
    /// The log was opened read-only and a write was attempted.
    case readOnly(path: String)
    /// The log was closed before the operation could run.
    case closed(path: String)
    /// A sequence number was asked for that the live log does not hold.
    case sequenceOutOfRange(path: String, seq: UInt64, first: UInt64, head: UInt64)
    /// A stored record is shorter than its header.
    case malformedRecord(path: String, seq: UInt64, bytes: Int)
    /// A decide closure run inside the write transaction threw; nothing it returned was written.
    case decisionFailed(path: String, reason: String)
    /// A replay's transform threw on a verified record; replay stopped before it.
    case transformFailed(path: String, seq: UInt64, reason: String)
    /// A single event is larger than the log accepts.
    case eventTooLarge(path: String, bytes: Int, limit: Int)
    /// Any other LMDB failure, with the operation and LMDB's own message.
    case lmdb(path: String, operation: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .directoryUnusable(let path, let reason):
            return "open log at \(path): \(reason)"
        case .corruptStore(let path, let reason):
            return "open log at \(path): the data file is damaged: \(reason)"
        case .unsupportedFormat(let path, let found, let supported):
            return "open log at \(path): format version \(found) is not supported by this build (supports \(supported))"
        case .diskFull(let path):
            return "append to log at \(path): no space left on device; the batch was not written and every acknowledged event is intact"
        case .mapLimitReached(let path, let bytes):
            return "append to log at \(path): the log reached its maximum size of \(bytes) bytes; compact it"
        case .readOnly(let path):
            return "append to log at \(path): the log is open read-only"
        case .closed(let path):
            return "use log at \(path): the log is closed"
        case .sequenceOutOfRange(let path, let seq, let first, let head):
            return "read log at \(path): sequence \(seq) is outside the live log [\(first), \(head)]"
        case .malformedRecord(let path, let seq, let bytes):
            return "read log at \(path): record \(seq) is \(bytes) bytes, shorter than its \(LogRecord.headerSize)-byte header"
        case .decisionFailed(let path, let reason):
            return "append to log at \(path): the decision inside the write transaction failed: \(reason)"
        case .transformFailed(let path, let seq, let reason):
            return "replay log at \(path): event \(seq): \(reason)"
        case .eventTooLarge(let path, let bytes, let limit):
            return "append to log at \(path): an event of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .lmdb(let path, let operation, let code, let message):
            return "\(operation) on log at \(path): \(message) (LMDB code \(code))"
        }
    }
}
