import BatonModel
import BatonTestSupport

/// Generates small random workflows for the simulation: random DAGs with every edge condition,
/// both joins, scripted sim outcomes per attempt, retries, timeouts, connection limits and
/// contention profiles (queue bounds with every exceed action, queue timeouts, priorities, slots).
enum RandomWorkflow {
    static func yaml(using rng: inout SeededGenerator) -> String {
        let taskCount = Int.random(in: 2...10, using: &rng)
        let maxInFlight = Int.random(in: 1...3, using: &rng)
        let rate = Int.random(in: 1...4, using: &rng)
        // A contention profile on half the seeds: each exceed action, with queue timeouts and aging.
        let queueMax = Int.random(in: 1...3, using: &rng)
        let profiles = ["", ", queue: { max: \(queueMax) }", ", queue: { max: \(queueMax), on_full: reject, timeout: 20s }",
                        ", queue: { max: \(queueMax), on_full: drop_oldest, aging: 2s }", ", queue: { timeout: 30s, aging: off }"]
        let profile = Bool.random(using: &rng) ? profiles[Int.random(in: 1..<profiles.count, using: &rng)] : ""
        var lines = [
            "name: sim_flow",
            "connections:",
            "  simc: { platform: sim, max_in_flight: \(maxInFlight), rate: \(rate)/10s\(profile) }",
            "defaults:",
            "  connection: simc",
            "  retry: { attempts: \(Int.random(in: 1...3, using: &rng)), delay: 2s, max_delay: 10s }",
            "tasks:",
        ]
        let conditions = ["success", "failure", "completion", "skipped"]
        for index in 0..<taskCount {
            var fields: [String] = []
            let outcomes = (0..<3).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? "failure" : "success" }
            fields.append("outcome: [\(outcomes.joined(separator: ", "))]")
            fields.append("duration: \(Int.random(in: 0...3, using: &rng))s")
            if Int.random(in: 0..<6, using: &rng) == 0 { fields.append("timeout: 2s") }
            if Int.random(in: 0..<3, using: &rng) == 0 { fields.append("priority: \(Int.random(in: -2...3, using: &rng))") }
            if Int.random(in: 0..<4, using: &rng) == 0 { fields.append("slots: \(Int.random(in: 1...maxInFlight, using: &rng))") }
            if index > 0 {
                let upstreamCount = Int.random(in: 0...min(3, index), using: &rng)
                var upstreams = Set<Int>()
                for _ in 0..<upstreamCount { upstreams.insert(Int.random(in: 0..<index, using: &rng)) }
                if !upstreams.isEmpty {
                    let edges = upstreams.sorted().map { "t\($0): \(conditions[Int.random(in: 0..<4, using: &rng)])" }
                    fields.append("after: { \(edges.joined(separator: ", ")) }")
                    if Bool.random(using: &rng) { fields.append("join: any") }
                }
            }
            lines.append("  t\(index): { \(fields.joined(separator: ", ")) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
