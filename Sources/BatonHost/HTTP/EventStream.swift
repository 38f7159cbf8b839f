import BatonEvents
import BatonLog
import Hummingbird
import ServiceLifecycle
import Synchronization

/// `GET /v1/events`: server-sent events, one per log event, in log order: `id` is the sequence
/// number, `event` the type, `data` the object of `replay --json`. `after=SEQ` starts after that
/// event (default: the head, so only new events); `max=N` ends the stream after N events. New
/// appends by this process and by others are delivered within `pollInterval`.
struct EventStream {
    let after: UInt64
    let max: Int?
    let log: EventLog

    /// How long the stream waits before looking for new events again.
    static let pollInterval: Duration = .milliseconds(100)
    /// Idle polls between keep-alive comments: writing one is how a stream notices that its
    /// client went away, so an abandoned stream ends within this many polls.
    static let heartbeatPolls = 20
    /// The most events read per look.
    static let pageSize = 1_024

    init(_ query: Parameters, log: EventLog) throws {
        self.log = log
        let head = try log.head()
        if let text = query.get("after") {
            guard let value = UInt64(text) else { throw HTTPError(.badRequest, message: "after \(text) is not a sequence number") }
            // Sequence numbers are gap-free, so a reader can only have seen one up to the head; a
            // larger one is a mistake (and UInt64.max would have no successor to start from).
            guard value <= head else { throw HTTPError(.badRequest, message: "after \(text) is past the log's head \(head)") }
            after = value
        } else {
            after = head
        }
        if let text = query.get("max") {
            guard let value = Int(text), value > 0 else { throw HTTPError(.badRequest, message: "max \(text) is not a positive number") }
            max = value
        } else {
            max = nil
        }
        let first = try log.firstSeq()
        if after + 1 < first {
            throw HTTPError(.badRequest, message: "events before seq \(first) were compacted into the archive; read them with `baton replay`")
        }
    }

    func response() -> Response {
        let (log, after, max) = (log, after, max)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
            // A graceful shutdown waits for open responses; an endless stream ends on it.
            let stopping = StopFlag()
            try await withGracefulShutdownHandler {
                var next = after + 1
                var sent = 0
                var idle = 0
                while !Task.isCancelled && !stopping.isSet {
                    let records = try log.read(from: next, limit: Swift.min(Self.pageSize, (max ?? Int.max) - sent))
                    for record in records {
                        let event = try EventCodec.decode(record.payload, seq: record.seq)
                        let object = EventDescription.object(ReplayedRecord(seq: record.seq, timeMicros: record.timeMicros, hash: record.hash), event)
                        try await writer.write(ByteBuffer(string: "id: \(record.seq)\nevent: \(event.kindName)\ndata: \(try RunJSON.encode(object))\n\n"))
                        sent += 1
                    }
                    if let last = records.last { next = last.seq + 1 }
                    if let max, sent >= max { break }
                    guard records.isEmpty else { idle = 0; continue }
                    idle += 1
                    if idle % Self.heartbeatPolls == 0 { try await writer.write(ByteBuffer(string: ": keep-alive\n\n")) }
                    try await Task.sleep(for: Self.pollInterval)
                }
            } onGracefulShutdown: {
                stopping.set()
            }
            try await writer.finish(nil)
        })
    }
}

/// Set once, read from the stream's loop.
private final class StopFlag: Sendable {
    private let value = Atomic(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
