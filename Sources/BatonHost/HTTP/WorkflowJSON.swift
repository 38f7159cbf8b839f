public import BatonModel
public import BatonState
import Foundation

/// Workflows as the API shows them: a summary for lists, the definition and DAG for one.
enum WorkflowJSON {
    /// Name, current version, schedule with its next fire time, and the newest run.
    static func summary(_ name: String, _ state: EngineState, now: Int64) -> [String: Any]? {
        guard let hash = state.latestDefinition[name], let workflow = state.definitions[hash] else { return nil }
        var object: [String: Any] = ["name": name, "version": hash, "tasks": workflow.tasks.count]
        if let schedule = workflow.schedule {
            var entry: [String: Any] = ["cron": schedule.cron, "timezone": schedule.timeZone, "catchup": schedule.catchup,
                                        "max_active_runs": schedule.maxActiveRuns]
            if let zone = TimeZone(identifier: schedule.timeZone), let cron = try? CronSchedule(schedule.cron, timeZone: zone),
               let next = cron.next(after: Date(timeIntervalSince1970: Double(now) / 1_000_000)) {
                entry["next_fire_us"] = Int64(next.timeIntervalSince1970 * 1_000_000)
            }
            if let fire = state.scheduleFires[name] { entry["last_interval_end_us"] = fire.intervalEndMicros }
            object["schedule"] = entry
        }
        let newest = state.runs.values.filter { $0.workflow.name == name }.max { ($0.createdAtMicros, $0.id) < ($1.createdAtMicros, $1.id) }
        if let newest {
            object["last_run"] = ["run_id": newest.id, "status": newest.outcome?.rawValue ?? "running", "created_at_us": newest.createdAtMicros]
        }
        return object
    }

    /// The summary plus the definition's source and its DAG: every node with its upstream edges.
    static func detail(_ name: String, _ state: EngineState) -> [String: Any]? {
        guard var object = summary(name, state, now: HostAPI.nowMicros()), let hash = state.latestDefinition[name],
              let workflow = state.definitions[hash] else { return nil }
        object["source"] = state.definitionSources[hash]?.text ?? workflow.source
        let graph = WorkflowGraph(workflow)
        object["dag"] = graph.indices.map { index -> [String: Any] in
            ["task": graph.name(of: index),
             "after": graph.upstreams(of: index).map { ["task": graph.name(of: $0.task), "on": $0.condition.rawValue] }]
        }
        return object
    }
}

/// Connections with their limits and what they hold now: the registry's (shared by every
/// workflow) and those workflows define for themselves, as `/v1/connections` and
/// `baton connections --json` show them.
public enum ConnectionJSON {
    /// Every connection's definition and where it is: the registry's first, else the first
    /// workflow (by name) that defines it.
    public static func specs(_ state: EngineState) -> [String: (spec: ConnectionSpec, definedIn: String)] {
        var specs: [String: (spec: ConnectionSpec, definedIn: String)] = [:]
        for (workflow, hash) in state.latestDefinition.sorted(by: { $0.key < $1.key }) {
            for (name, spec) in state.definitions[hash]?.connections ?? [:] where specs[name] == nil {
                specs[name] = (spec, "workflow \(workflow)")
            }
        }
        if let registry = state.registry?.registry {
            for (name, spec) in registry.connections { specs[name] = (spec, "registry \(registry.place(of: name))") }
        }
        return specs
    }

    public static func all(_ state: EngineState, now: Int64) -> [[String: Any]] {
        let specs = specs(state)
        let names = Set(specs.keys).union(state.connections.keys).sorted()
        return names.map { name in
            let connection = state.connections[name]
            var object: [String: Any] = ["name": name, "in_flight": connection?.inFlight ?? 0, "queued": connection?.queueDepth ?? 0,
                                         "held": connection?.heldDepth ?? 0]
            if let (spec, definedIn) = specs[name] {
                object["platform"] = spec.platform
                object["defined_in"] = definedIn
            }
            if let limit = specs[name]?.spec.maxInFlight { object["max_in_flight"] = limit }
            if let rate = specs[name]?.spec.rate {
                object["rate"] = rate.description
                object["window_used"] = connection?.windowUsage(now: now, windowMicros: EngineState.micros(rate.window)) ?? 0
            }
            if let until = connection?.throttledUntilMicros, until > now { object["throttled_until_us"] = until }
            if let queue = specs[name]?.spec.queue {
                var profile: [String: Any] = ["on_full": queue.onFull.rawValue, "waiting": connection?.waiting ?? 0]
                if let max = queue.max { profile["max"] = max }
                if let timeout = queue.timeout { profile["timeout"] = DurationText.format(timeout) }
                profile["aging"] = queue.aging.map(DurationText.format) ?? "off"
                object["queue"] = profile
            }
            return object
        }
    }
}
