
extension WorkflowDecoder {
    static let taskKeys = [
        "connection", "job", "command", "env", "settings", "outcome", "duration", "after", "join", "retry",
        "timeout", "params", "replicas", "idempotent", "priority", "slots",
    ]
    static let retryKeys = ["attempts", "delay", "max_delay", "retry_on"]

    /// `[A-Za-z_][A-Za-z0-9_]*`: what a shell and `env` accept as a variable name.
    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(48...57).contains(first) else { return false }
        return name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// Decodes `tasks:` in map form (`name: {...}`) or list form (`- id: name`).
    mutating func decodeTasks(_ node: YAMLNode, defaults: WorkflowDefaults) -> [DecodedTask] {
        var result: [DecodedTask] = []
        switch node {
        case .mapping(let mapping):
            result.reserveCapacity(mapping.count)
            for entry in entries(of: node, in: "tasks") ?? [] {
                if let task = decodeTask(entry.value, name: entry.key, nameMark: entry.keyMark, defaults: defaults) {
                    result.append(task)
                }
            }
        case .sequence(let items):
            for item in items {
                guard let id = item["id"], let name = text(id, "task id") else {
                    report(SourceMark(item), "each item of tasks needs an \"id\"")
                    continue
                }
                if let task = decodeTask(item, name: name, nameMark: SourceMark(id), defaults: defaults, listForm: true) {
                    result.append(task)
                }
            }
        case .scalar:
            report(SourceMark(node), "tasks must be a mapping of task names (or a list of tasks with id), got \(shape(of: node))")
        }
        return result
    }

    private mutating func decodeTask(
        _ node: YAMLNode, name: String, nameMark: SourceMark, defaults: WorkflowDefaults, listForm: Bool = false
    ) -> DecodedTask? {
        guard NameRules.isIdentifier(name) else {
            report(nameMark, task: name, "bad task name \"\(name)\" (use letters, digits, _ and -)")
            return nil
        }
        let known = listForm ? ["id"] + Self.taskKeys : Self.taskKeys
        guard let entries = entries(of: node, in: "task \(name)", known: known, task: name) else { return nil }
        var task = DecodedTask(
            spec: TaskSpec(id: name, retry: defaults.retry, timeout: defaults.timeout, idempotent: defaults.idempotent),
            mark: nameMark, edgeMarks: [], connectionMark: nil, templates: []
        )
        for entry in entries where entry.key != "id" {
            decodeTaskField(entry, into: &task)
        }
        return task
    }

    private mutating func decodeTaskField(_ entry: MappingEntry, into task: inout DecodedTask) {
        let name = task.spec.id
        switch entry.key {
        case "connection":
            task.spec.connection = text(entry.value, "connection", task: name) ?? ""
            task.connectionMark = entry.valueMark
        case "command", "outcome", "duration":
            // The spellings from before `job:`: the process platform's argv, the sim's script.
            addJob(entry.key, entry.value, keyMark: entry.keyMark, valueMark: entry.valueMark, into: &task)
        case "settings":
            for setting in entries(of: entry.value, in: "settings", task: name) ?? [] {
                addJob(setting.key, setting.value, keyMark: setting.keyMark, valueMark: setting.valueMark, into: &task)
            }
        case "job":
            task.jobMark = task.jobMark ?? entry.keyMark
            for key in entries(of: entry.value, in: "job", task: name) ?? [] {
                addJob(key.key, key.value, keyMark: key.keyMark, valueMark: key.valueMark, into: &task)
            }
        case "env":
            for variable in entries(of: entry.value, in: "env", task: name) ?? [] {
                guard Self.isEnvironmentName(variable.key) else {
                    report(variable.keyMark, task: name, "bad environment variable name \"\(variable.key)\" in env (letters, digits and _, not starting with a digit)")
                    continue
                }
                guard !variable.key.hasPrefix("BATON_") else {
                    report(variable.keyMark, task: name, "environment variable \(variable.key) in env is reserved: names starting with BATON_ are Baton's own")
                    continue
                }
                guard let raw = text(variable.value, "env.\(variable.key)", task: name),
                      let template = decodeTemplate(raw, mark: variable.valueMark, task: name) else { continue }
                task.spec.environment[variable.key] = template
                task.templates.append((template, variable.valueMark))
            }
        case "after": (task.spec.after, task.edgeMarks) = decodeEdges(entry.value, task: name)
        case "join":
            guard let raw = text(entry.value, "join", task: name) else { return }
            guard let join = Join(rawValue: raw) else {
                report(entry.valueMark, task: name, "bad join \"\(raw)\" (expected all or any)")
                return
            }
            task.spec.join = join
        case "retry": task.spec.retry = decodeRetry(entry.value, base: task.spec.retry, task: name)
        case "timeout": task.spec.timeout = duration(entry.value, "timeout", task: name)
        case "params": task.spec.params = stringMap(entry.value, "params", task: name)
        case "replicas": task.spec.replicas = decodeReplicas(entry.value, task: name)
        case "idempotent": task.spec.idempotent = boolean(entry.value, "idempotent", task: name) ?? true
        case "priority": task.spec.priority = integer(entry.value, "priority", in: TaskSpec.priorityRange, task: name) ?? 0
        case "slots":
            task.spec.slots = integer(entry.value, "slots", in: 1...Self.concurrencyMax, task: name) ?? 1
            task.slotsMark = entry.valueMark
        default: preconditionFailure("task key \"\(entry.key)\" passed the known-key filter but has no decoder")
        }
    }

    private mutating func decodeTemplate(_ raw: String, mark: SourceMark, task: String) -> Template? {
        do {
            return try template(raw)
        } catch {
            report(mark, task: task, "bad \(error)")
            return nil
        }
    }

    /// `after: [a, b]` (success), `after: {a: failure}`, `after: a`, or a list mixing names and one-key maps.
    private mutating func decodeEdges(_ node: YAMLNode, task: String) -> ([Edge], [SourceMark]) {
        var edges: [Edge] = []
        var marks: [SourceMark] = []
        if case .sequence(let items) = node {
            edges.reserveCapacity(items.count)
            marks.reserveCapacity(items.count)
        }
        func add(_ decoder: inout WorkflowDecoder, _ upstream: String, _ mark: SourceMark, _ conditionNode: YAMLNode?) {
            var condition = EdgeCondition.success
            if let conditionNode, let raw = decoder.text(conditionNode, "edge condition", task: task) {
                guard let parsed = EdgeCondition(rawValue: raw) else {
                    let names = EdgeCondition.allCases.map(\.rawValue)
                    decoder.report(SourceMark(conditionNode), task: task, edge: upstream,
                                   "bad edge condition \"\(raw)\" (expected success, failure, completion or skipped)"
                                   + Suggestion.hint(for: raw, in: names))
                    return
                }
                condition = parsed
            }
            edges.append(Edge(upstream: upstream, condition: condition))
            marks.append(mark)
        }
        switch node {
        case .scalar(let scalar): add(&self, scalar.string, scalar.mark, nil)
        case .mapping:
            for entry in entries(of: node, in: "after", task: task) ?? [] {
                add(&self, entry.key, entry.keyMark, entry.value)
            }
        case .sequence(let items):
            for item in items {
                if case .mapping = item {
                    for entry in entries(of: item, in: "after", task: task) ?? [] {
                        add(&self, entry.key, entry.keyMark, entry.value)
                    }
                } else if let upstream = text(item, "each item of after", task: task) {
                    add(&self, upstream, item.mark, nil)
                }
            }
        }
        return (edges, marks)
    }

    /// One job key: a scalar is one template, a list a list of templates, a mapping a map of them.
    private mutating func addJob(_ key: String, _ node: YAMLNode, keyMark: SourceMark, valueMark: SourceMark, into task: inout DecodedTask) {
        let name = task.spec.id
        guard NameRules.isIdentifier(key) else {
            report(keyMark, task: name, "bad job key \"\(key)\" (use letters, digits, _ and -)")
            return
        }
        guard task.spec.job[key] == nil else {
            report(keyMark, task: name, "job.\(key) is given twice (a key of job: and its older spelling at the task's top level name the same thing)")
            return
        }
        task.jobMark = task.jobMark ?? keyMark
        var value: JobValue?
        var marks: [SourceMark] = []
        switch node {
        case .scalar(let scalar):
            value = decodeTemplate(scalar.string, mark: scalar.mark, task: name).map { template in
                task.templates.append((template, scalar.mark))
                marks.append(scalar.mark)
                return .text(template)
            }
        case .sequence:
            var templates: [Template] = []
            for (raw, mark) in stringList(node, "job.\(key)", task: name) ?? [] {
                guard let template = decodeTemplate(raw, mark: mark, task: name) else { continue }
                templates.append(template)
                task.templates.append((template, mark))
                marks.append(mark)
            }
            value = .list(templates)
        case .mapping:
            var templates: [String: (Template, SourceMark)] = [:]
            for entry in entries(of: node, in: "job.\(key)", task: name) ?? [] {
                guard let raw = text(entry.value, "job.\(key).\(entry.key)", task: name),
                      let template = decodeTemplate(raw, mark: entry.valueMark, task: name) else { continue }
                templates[entry.key] = (template, entry.valueMark)
                task.templates.append((template, entry.valueMark))
            }
            marks = templates.keys.sorted().compactMap { templates[$0]?.1 }
            value = .map(templates.mapValues(\.0))
        }
        guard let value else { return }
        task.spec.job[key] = value
        task.jobMarks[key] = (keyMark, valueMark)
        task.jobItemMarks[key] = marks
    }

    mutating func decodeRetry(_ node: YAMLNode, base: RetryPolicy, task: String?) -> RetryPolicy {
        var policy = base
        for entry in entries(of: node, in: "retry", known: Self.retryKeys, task: task) ?? [] {
            switch entry.key {
            case "attempts":
                policy.attempts = integer(entry.value, "retry.attempts", in: 1...RetryPolicy.attemptsMax, task: task) ?? base.attempts
            case "delay": policy.delay = duration(entry.value, "retry.delay", task: task) ?? base.delay
            case "max_delay": policy.maxDelay = duration(entry.value, "retry.max_delay", task: task) ?? base.maxDelay
            case "retry_on": policy.retryOn = stringList(entry.value, "retry.retry_on", task: task)?.map(\.0)
            default: preconditionFailure("retry key \"\(entry.key)\" has no decoder")
            }
        }
        if policy.maxDelay < policy.delay {
            report(SourceMark(node), task: task, "retry.max_delay \(DurationText.format(policy.maxDelay)) is shorter than retry.delay \(DurationText.format(policy.delay))")
        }
        return policy
    }

    private mutating func decodeReplicas(_ node: YAMLNode, task: String) -> ReplicaSpec? {
        if case .sequence(let items) = node {
            guard (1...ReplicaSpec.countMax).contains(items.count) else {
                report(SourceMark(node), task: task, "replicas must list 1...\(ReplicaSpec.countMax) parameter maps, got \(items.count)")
                return nil
            }
            return .params(items.map { stringMap($0, "replicas item", task: task) })
        }
        return integer(node, "replicas", in: 1...ReplicaSpec.countMax, task: task).map(ReplicaSpec.count)
    }
}
