import SwiftProtobuf

/// Encodes and decodes events for the log. The log stores bytes; this is the only place that
/// turns them into `Baton_V1_Event` values and back.
public enum EventCodec {
    /// The protobuf bytes of `event`.
    public static func encode(_ event: Baton_V1_Event) -> [UInt8] {
        do {
            return try event.serializedBytes()
        } catch {
            // Encoding a proto3 message with no required fields cannot fail; if it does the
            // generated code and the runtime disagree, which is a build defect, not weather.
            preconditionFailure("encode \(event.kindName): \(error)")
        }
    }

    /// The event stored in `bytes`.
    /// - Throws: `EventDecodeError` naming the sequence number.
    public static func decode(_ bytes: [UInt8], seq: UInt64) throws(EventDecodeError) -> Baton_V1_Event {
        do {
            return try bytes.withUnsafeBytes { try merge($0) }
        } catch {
            throw EventDecodeError(seq: seq, reason: String(describing: error))
        }
    }

    /// The event stored in mapped bytes (during a replay, without copying them first).
    /// - Throws: `EventDecodeError` naming the sequence number.
    public static func decode(_ bytes: UnsafeRawBufferPointer, seq: UInt64) throws(EventDecodeError) -> Baton_V1_Event {
        do {
            return try merge(bytes)
        } catch {
            throw EventDecodeError(seq: seq, reason: String(describing: error))
        }
    }

    private static func merge(_ bytes: UnsafeRawBufferPointer) throws -> Baton_V1_Event {
        var event = Baton_V1_Event()
        try event.merge(serializedBytes: bytes.bytes)
        return event
    }
}

/// A stored event that does not decode.
public struct EventDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the log.
    public let seq: UInt64
    /// What the decoder said.
    public let reason: String
    public var description: String { "decode event \(seq): \(reason)" }
}

extension Baton_V1_Event {
    /// The event's type name as written in Specs/events.proto, e.g. `TaskDispatched`.
    public var kindName: String {
        guard let body else { return "Unknown" }
        switch body {
        case .workflowRegistered: return "WorkflowRegistered"
        case .connectionsRegistered: return "ConnectionsRegistered"
        case .runCreated: return "RunCreated"
        case .taskQueued: return "TaskQueued"
        case .taskExpanded: return "TaskExpanded"
        case .taskClaimed: return "TaskClaimed"
        case .taskDispatched: return "TaskDispatched"
        case .taskSucceeded: return "TaskSucceeded"
        case .taskFailed: return "TaskFailed"
        case .taskRetryScheduled: return "TaskRetryScheduled"
        case .taskSkipped: return "TaskSkipped"
        case .taskTimedOut: return "TaskTimedOut"
        case .taskCancelRequested: return "TaskCancelRequested"
        case .taskCancelled: return "TaskCancelled"
        case .platformObserved: return "PlatformObserved"
        case .connectionThrottled: return "ConnectionThrottled"
        case .runFinished: return "RunFinished"
        case .scheduleFired: return "ScheduleFired"
        case .snapshotWritten: return "SnapshotWritten"
        case .runsExpired: return "RunsExpired"
        case .runCancelRequested: return "RunCancelRequested"
        case .tasksCleared: return "TasksCleared"
        case .alertDelivery: return "AlertDelivery"
        case .contentionDecided: return "ContentionDecided"
        }
    }
}
