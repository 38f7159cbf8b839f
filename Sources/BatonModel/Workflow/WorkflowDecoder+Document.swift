internal import Foundation

/// Where document-level values were written, for problems found after decoding.
struct DocumentMarks {
    var defaultConnection: SourceMark?
    /// Where each connection the workflow defines is named.
    var connections: [String: SourceMark] = [:]
    var tasks: SourceMark = .documentStart
}

/// A task as decoded, with the marks the validator needs to place its problems.
struct DecodedTask {
    var spec: TaskSpec
    /// Mark of the task's name.
    var mark: SourceMark
    /// Marks of `spec.after`, index for index.
    var edgeMarks: [SourceMark]
    /// Mark of an explicit `connection:`; `nil` when the connection came from the defaults.
    var connectionMark: SourceMark?
    /// Every template of the task with the mark of the text it came from.
    var templates: [(Template, SourceMark)]
    /// Mark of an explicit `slots:`.
    var slotsMark: SourceMark? = nil
    /// Where each job key and its value are written, and the first of them (or `job:` itself).
    var jobMarks: [String: (key: SourceMark, value: SourceMark)] = [:]
    /// Marks of each template of a job value, in `JobValue.templates` order.
    var jobItemMarks: [String: [SourceMark]] = [:]
    var jobMark: SourceMark? = nil
}

extension WorkflowDecoder {
    static let topLevelKeys = ["name", "owner", "description", "alerts", "params", "schedule", "connections", "defaults", "tasks"]
    static let scheduleKeys = ["cron", "timezone", "catchup", "max_active_runs"]
    static let defaultsKeys = ["connection", "retry", "timeout", "idempotent"]

    /// Largest accepted `max_in_flight` and `max_active_runs`.
    static let concurrencyMax = 1_000_000

    /// Decodes the whole document; problems accumulate in `self`.
    mutating func decodeDocument(_ root: YAMLNode, source: String) -> (Workflow, [DecodedTask], DocumentMarks) {
        var workflow = Workflow(name: "", source: source)
        var marks = DocumentMarks()
        var tasksNode: YAMLNode?
        let entries = entries(of: root, in: "the workflow", known: Self.topLevelKeys) ?? []
        for entry in entries {
            switch entry.key {
            case "name": workflow.name = decodeName(entry.value) ?? ""
            case "owner": workflow.owner = text(entry.value, "owner") ?? ""
            case "description": workflow.description = text(entry.value, "description") ?? ""
            case "alerts": workflow.alerts = decodeAlerts(entry.value)
            case "params": workflow.params = stringMap(entry.value, "params")
            case "schedule": workflow.schedule = decodeSchedule(entry.value)
            case "connections": workflow.connections = decodeConnections(entry.value, style: .workflow, marks: &marks.connections)
            case "defaults": workflow.defaults = decodeDefaults(entry.value, marks: &marks)
            case "tasks":
                tasksNode = entry.value
                marks.tasks = entry.keyMark
            default: preconditionFailure("key \"\(entry.key)\" passed the known-key filter but has no decoder")
            }
        }
        if case .mapping = root, !entries.contains(where: { $0.key == "name" }) {
            report(.documentStart, "missing required key \"name\"")
        }
        var tasks: [DecodedTask] = []
        if let tasksNode {
            tasks = decodeTasks(tasksNode, defaults: workflow.defaults)
        } else if case .mapping = root {
            report(.documentStart, "missing required key \"tasks\"")
        }
        return (workflow, tasks, marks)
    }

    /// `alerts: [name, ...]`: webhook names the host resolves (addresses never live in a workflow file).
    private mutating func decodeAlerts(_ node: YAMLNode) -> [String] {
        var names: [String] = []
        for (name, mark) in stringList(node, "alerts") ?? [] {
            if !NameRules.isIdentifier(name) {
                // Not echoed: an address pasted here may carry a secret.
                report(mark, "bad webhook name in alerts: use A-Z, a-z, 0-9, _ and - (name a webhook of the host's --webhooks file, never its address)")
            } else if !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    private mutating func decodeName(_ node: YAMLNode) -> String? {
        guard let name = text(node, "name") else { return nil }
        guard NameRules.isWorkflowName(name) else {
            report(SourceMark(node), "bad workflow name \"\(name)\" (use a-z, 0-9, _ and -)")
            return nil
        }
        return name
    }

    private mutating func decodeSchedule(_ node: YAMLNode) -> WorkflowSchedule? {
        guard let entries = entries(of: node, in: "schedule", known: Self.scheduleKeys) else { return nil }
        var schedule = WorkflowSchedule(cron: "")
        var cronNode: YAMLNode?
        for entry in entries {
            switch entry.key {
            case "cron":
                cronNode = entry.value
                schedule.cron = text(entry.value, "schedule.cron") ?? ""
            case "timezone":
                guard let zone = text(entry.value, "schedule.timezone") else { continue }
                schedule.timeZone = zone
                if TimeZone(identifier: zone) == nil {
                    report(entry.valueMark, "unknown time zone \"\(zone)\" in schedule.timezone (use an IANA name such as Europe/Berlin)")
                }
            case "catchup": schedule.catchup = boolean(entry.value, "schedule.catchup") ?? false
            case "max_active_runs":
                schedule.maxActiveRuns = integer(entry.value, "schedule.max_active_runs", in: 1...Self.concurrencyMax) ?? 1
            default: preconditionFailure("schedule key \"\(entry.key)\" has no decoder")
            }
        }
        guard let cronNode else {
            report(SourceMark(node), "schedule needs a \"cron\" expression")
            return nil
        }
        if let zone = TimeZone(identifier: schedule.timeZone) {
            do {
                _ = try CronSchedule(schedule.cron, timeZone: zone)
            } catch {
                report(SourceMark(cronNode), "bad cron \"\(schedule.cron)\" in schedule.cron: \(error)")
            }
        }
        return schedule
    }

    private mutating func decodeDefaults(_ node: YAMLNode, marks: inout DocumentMarks) -> WorkflowDefaults {
        var defaults = WorkflowDefaults()
        for entry in entries(of: node, in: "defaults", known: Self.defaultsKeys) ?? [] {
            switch entry.key {
            case "connection":
                defaults.connection = text(entry.value, "defaults.connection")
                marks.defaultConnection = entry.valueMark
            case "retry": defaults.retry = decodeRetry(entry.value, base: defaults.retry, task: nil)
            case "timeout": defaults.timeout = duration(entry.value, "defaults.timeout")
            case "idempotent": defaults.idempotent = boolean(entry.value, "defaults.idempotent") ?? true
            default: preconditionFailure("defaults key \"\(entry.key)\" has no decoder")
            }
        }
        return defaults
    }
}
