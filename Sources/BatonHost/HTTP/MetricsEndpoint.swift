import BatonEngine
import BatonLog
import BatonState
import Foundation
import Hummingbird
import Prometheus

/// `GET /metrics` in Prometheus text format: the engine's counters and histograms (recorded as
/// they happen), plus gauges read from the projection and the log at scrape time.
struct MetricsEndpoint: Sendable {
    let registry: PrometheusCollectorRegistry
    let runtime: Runtime

    func response() throws -> Response {
        refreshGauges()
        var buffer = ByteBuffer()
        buffer.writeBytes(registry.emitToBuffer())
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: buffer))
    }

    private func refreshGauges() {
        let state = runtime.state
        var runs: [String: Int] = ["running": 0, "succeeded": 0, "failed": 0, "cancelled": 0]
        var tasks: [String: Int] = [:]
        for run in state.runs.values {
            runs[run.outcome?.rawValue ?? "running", default: 0] += 1
            guard run.outcome == nil else { continue }
            for task in run.tasks { tasks[task.status.rawValue, default: 0] += 1 }
        }
        for (status, count) in runs { gauge("runs", "count", "Runs in the projection by status.", [("status", status)]).set(Double(count)) }
        for status in TaskStatus.allCases.map(\.rawValue) {
            gauge("active_run_tasks", "count", "Tasks of unfinished runs by status.", [("status", status)]).set(Double(tasks[status] ?? 0))
        }
        // The fields of /v1/connections, so the metrics and the API never disagree.
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        for row in ConnectionJSON.all(state, now: now) {
            guard let name = row["name"] as? String else { continue }
            let label = [("connection", name)]
            func set(_ key: String, _ metric: String, _ unit: String, _ help: String) {
                gauge(metric, unit, help, label).set(Double(row[key] as? Int ?? 0))
            }
            set("in_flight", "connection_in_flight", "count", "Slots held by attempts claimed or running (a task occupies its slots).")
            set("queued", "connection_queued", "count", "Attempts waiting for a slot.")
            set("held", "connection_held", "count", "Attempts held because the connection's queue is full (on_full: wait).")
            set("window_used", "connection_window_used", "count", "Dispatches (and claims about to dispatch) in the current rate window.")
            if let limit = row["max_in_flight"] as? Int { gauge("connection_max_in_flight", "count", "The connection's max_in_flight.", label).set(Double(limit)) }
            let until = row["throttled_until_us"] as? Int64 ?? 0
            gauge("connection_throttled_until", "seconds", "End of a throttle pause (Unix time; 0 when none).", label).set(Double(until) / 1_000_000)
        }
        let log = runtime.log
        gauge("log_head", "seq", "The last sequence number applied.").set(Double(state.lastSeq))
        gauge("log_first_live", "seq", "The first sequence number in the live log (above 1 after compaction).").set(Double((try? log.firstSeq()) ?? 0))
        gauge("last_snapshot", "seq", "The sequence number of the newest stored snapshot.").set(Double((try? log.snapshotSeqs().first) ?? 0))
        let size = (try? FileManager.default.attributesOfItem(atPath: log.path + "/data.mdb")[.size] as? Int) ?? 0
        gauge("log_file", "bytes", "Size of the live log's data file.").set(Double(size))
    }

    private func gauge(_ name: String, _ unit: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "baton", metricName: name, unitName: unit, helpText: help), labels: labels)
    }
}
