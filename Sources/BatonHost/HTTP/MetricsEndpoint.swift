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
        for (name, connection) in state.connections {
            gauge("connection_in_flight", "count", "Slots held by attempts claimed or running (a task occupies its slots).", [("connection", name)]).set(Double(connection.inFlight))
            gauge("connection_queued", "count", "Attempts waiting for a slot.", [("connection", name)]).set(Double(connection.queueDepth))
            gauge("connection_held", "count", "Attempts held because the connection's queue is full (on_full: wait).", [("connection", name)]).set(Double(connection.heldDepth))
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
