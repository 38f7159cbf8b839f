import BatonEvents
import Metrics

/// What the engine reports through swift-metrics (a no-op until an executable bootstraps a
/// backend, as `baton serve` does with Prometheus): appended events by type (dispatches,
/// retries, failures, throttles among them), the latency of each durable commit, and how many
/// events each commit carried.
enum EngineMetrics {
    static let eventsTotal = "baton_events_total"
    static let commitSeconds = "baton_commit_seconds"
    static let commitEvents = "baton_commit_events"

    /// Records one durable commit of `events` that took `duration` (decide + append + fsync).
    static func committed(_ events: [Baton_V1_Event], after duration: Duration) {
        Timer(label: commitSeconds).recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        Recorder(label: commitEvents, aggregate: true).record(events.count)
        var byType: [String: Int] = [:]
        for event in events { byType[event.kindName, default: 0] += 1 }
        for (type, count) in byType { Counter(label: eventsTotal, dimensions: [("type", type)]).increment(by: count) }
    }
}
