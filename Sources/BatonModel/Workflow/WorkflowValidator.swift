/// Cross-reference checks that need the whole decoded workflow: names, connections, edges, cycles, templates.
///
/// Reports through the decoder so all problems land in one list. Costs O(tasks + edges) plus, for
/// tasks whose templates name other tasks, one upstream walk each.
struct WorkflowValidator {
    var decoder: WorkflowDecoder
    var workflow: Workflow
    /// The decoded tasks; ``resolveConnections()`` fills in connections in place.
    private(set) var tasks: [DecodedTask]
    let marks: DocumentMarks
    /// Task name to position in `tasks` (first occurrence).
    private(set) var positions: [String: Int] = [:]

    /// Connections defined outside the file.
    let external: ExternalConnections

    init(decoder: WorkflowDecoder, workflow: Workflow, tasks: [DecodedTask], marks: DocumentMarks, external: ExternalConnections = .none) {
        self.decoder = decoder
        self.workflow = workflow
        self.tasks = tasks
        self.marks = marks
        self.external = external
    }

    /// Whether some task repeats an earlier task's name (then only first occurrences count).
    private var hasDuplicateNames: Bool { positions.count != tasks.count }

    /// Runs every check and returns the workflow with connections resolved (meaningful only without problems).
    mutating func validate() -> Workflow {
        checkNames()
        resolveConnections()
        let successors = checkEdges()
        checkCycles(successors: successors)
        checkTemplates()
        if tasks.isEmpty, decoder.problems.isEmpty {
            decoder.report(marks.tasks, "the workflow has no tasks")
        }
        workflow.tasks = takeSpecs()
        return workflow
    }

    /// Moves every spec out of `tasks` (leaving empty placeholders), so the workflow owns them without
    /// a copy and dropping the decoded tasks releases nothing the workflow uses. Call last.
    private mutating func takeSpecs() -> [TaskSpec] {
        var specs: [TaskSpec] = []
        specs.reserveCapacity(tasks.count)
        for position in tasks.indices {
            var spec = TaskSpec(id: "")
            swap(&spec, &tasks[position].spec)
            specs.append(spec)
        }
        return specs
    }

    private mutating func checkNames() {
        positions.reserveCapacity(tasks.count)
        for position in tasks.indices {
            // One hash per name: the slot is claimed by the first task that reaches it.
            let first = Self.claim(&positions[tasks[position].spec.id, default: -1], for: position)
            if first != position {
                let id = tasks[position].spec.id
                decoder.report(tasks[position].mark, task: id,
                               "duplicate task name \"\(id)\" (first defined at line \(tasks[first].mark.line))")
            }
        }
    }

    /// Stores `position` in an unclaimed (negative) slot and returns the slot's owner.
    private static func claim(_ slot: inout Int, for position: Int) -> Int {
        if slot < 0 { slot = position }
        return slot
    }

    /// Gives every task its connection (own, default, sole declared, or built-in `sim`) and checks it exists.
    private mutating func resolveConnections() {
        let declared = workflow.connections
        let fallback = workflow.defaults.connection ?? (declared.count == 1 ? declared.keys.first : nil) ?? ConnectionSpec.builtInName
        let external = self.external
        let known = { (name: String) in declared[name] != nil || name == ConnectionSpec.builtInName || external.defines(name) }
        let candidates = Array(declared.keys) + external.names
        if case .registry(let registry) = external {
            for name in declared.keys.sorted() where registry.connections[name] != nil {
                decoder.report(marks.connections[name] ?? .documentStart,
                               "connection \"\(name)\" is defined in the connections registry (\(registry.place(of: name))); "
                               + "a workflow cannot redefine it: remove it here to use the shared one, or give this one another name")
            }
        }
        if let name = workflow.defaults.connection, !known(name) {
            decoder.report(marks.defaultConnection ?? .documentStart,
                           "unknown connection \"\(name)\" in defaults.connection\(Suggestion.hint(for: name, in: candidates))")
        }
        var usesBuiltIn = false
        for position in tasks.indices {
            if let mark = tasks[position].connectionMark {
                let connection = tasks[position].spec.connection
                if !known(connection) {
                    decoder.report(mark, task: tasks[position].spec.id,
                                   "unknown connection \"\(connection)\"\(Suggestion.hint(for: connection, in: candidates))")
                }
            } else {
                tasks[position].spec.connection = fallback
            }
            usesBuiltIn = usesBuiltIn || tasks[position].spec.connection == ConnectionSpec.builtInName
            checkSlots(tasks[position], external: external)
            checkJob(tasks[position], external: external)
        }
        if usesBuiltIn, declared[ConnectionSpec.builtInName] == nil {
            workflow.connections[ConnectionSpec.builtInName] = ConnectionSpec(platform: "sim")
        }
    }

    /// A task asking for more slots than its connection has would never be claimed: refused here
    /// instead of waiting silently.
    private mutating func checkSlots(_ task: DecodedTask, external: ExternalConnections) {
        let name = task.spec.connection
        guard task.spec.slots > 1, let spec = workflow.connections[name] ?? external.spec(of: name), let max = spec.maxInFlight,
              task.spec.slots > max else { return }
        decoder.report(task.slotsMark ?? task.mark, task: task.spec.id,
                       "slots: \(task.spec.slots) is more than connection \(name) has (max_in_flight: \(max)); the task could never be claimed")
    }

    /// The job keys against what the task's platform declares: unknown keys (with a
    /// suggestion), the wrong shape, a literal the platform cannot take, a required key missing.
    /// A connection known only as "registered earlier" was checked when it was registered.
    private mutating func checkJob(_ task: DecodedTask, external: ExternalConnections) {
        let connection = task.spec.connection
        guard let platform = (workflow.connections[connection] ?? external.spec(of: connection))?.platform
                ?? (connection == ConnectionSpec.builtInName ? "sim" : nil),
              let schema = PlatformCatalog.schemas[platform] else { return }
        let id = task.spec.id
        let found = schema.problems(task.spec.job)
        let names = schema.keys.map(\.name)
        for key in found.unknown {
            decoder.report(task.jobMarks[key]?.key ?? task.mark, task: id,
                           "unknown job key \"\(key)\" for platform \(platform) (connection \(connection))\(Suggestion.hint(for: key, in: names))"
                           + (names.isEmpty ? "" : "; it takes: \(names.joined(separator: ", "))"))
        }
        for (key, problem) in found.shapes {
            decoder.report(task.jobMarks[key]?.value ?? task.mark, task: id, problem)
        }
        for (key, position, problem) in found.literals {
            let marks = task.jobItemMarks[key] ?? []
            decoder.report(position < marks.count ? marks[position] : task.jobMarks[key]?.value ?? task.mark, task: id, problem)
        }
        if let missing = found.missing {
            decoder.report(task.jobMark ?? task.mark, task: id, missing)
        }
    }

    /// Reports self-edges, unknown upstreams and repeated edges; returns downstream adjacency by position.
    private mutating func checkEdges() -> [[Int]] {
        var successors = [[Int]](repeating: [], count: tasks.count)
        // `lastDownstream[u] == p` once task `p` has an edge from `u`: finds repeated edges without a set per task.
        var lastDownstream = [Int](repeating: -1, count: tasks.count)
        // Replicas multiply edges (every replica of `u` to every replica of `t`): count them
        // before anything builds the graph, so a short file cannot ask for 10^8 of them.
        var expandedEdges = 0
        var overLimitReported = false
        for position in tasks.indices {
            let id = tasks[position].spec.id
            guard !hasDuplicateNames || positions[id] == position else { continue }
            for (edge, mark) in zip(tasks[position].spec.after, tasks[position].edgeMarks) {
                if edge.upstream == id {
                    decoder.report(mark, task: id, edge: edge.upstream, "task depends on itself")
                } else if let upstream = positions[edge.upstream] {
                    // At most 10^4 × 10^4 per edge and fewer edges than bytes in the file: no overflow.
                    expandedEdges += tasks[upstream].spec.replicaCount * tasks[position].spec.replicaCount
                    if expandedEdges > WorkflowGraph.expandedEdgesMax && !overLimitReported {
                        overLimitReported = true
                        decoder.report(mark, task: id, edge: edge.upstream,
                                       "with replicas the workflow has more than \(WorkflowGraph.expandedEdgesMax) edges "
                                       + "(this edge alone is \(tasks[upstream].spec.replicaCount) × \(tasks[position].spec.replicaCount)); "
                                       + "fan in through a task without replicas")
                    }
                    if lastDownstream[upstream] != position {
                        lastDownstream[upstream] = position
                        successors[upstream].append(position)
                    } else {
                        decoder.report(mark, task: id, edge: edge.upstream, "repeated edge from \"\(edge.upstream)\" (one edge per upstream)")
                    }
                } else {
                    decoder.report(mark, task: id, edge: edge.upstream,
                                   "unknown upstream \"\(edge.upstream)\"\(Suggestion.hint(for: edge.upstream, in: positions.keys))")
                }
            }
        }
        return successors
    }

    private mutating func checkCycles(successors: [[Int]]) {
        for cycle in CycleFinder.cycles(successors: successors) {
            guard let first = cycle.first, let last = cycle.last else { continue }
            let names = cycle.map { tasks[$0].spec.id }
            let path = (names + [names[0]]).joined(separator: " -> ")
            let task = tasks[first]
            let upstream = tasks[last].spec.id
            let mark = zip(task.spec.after, task.edgeMarks).first { $0.0.upstream == upstream }?.1 ?? task.mark
            decoder.report(mark, task: task.spec.id, edge: upstream, "cycle \(path)")
        }
    }
}

/// Connections a workflow may name without defining them.
enum ExternalConnections {
    /// None: the file must define every connection it names (besides the built-in `sim`).
    case none
    /// The registry's.
    case registry(ConnectionRegistry)
    /// Any name: a definition the log registered earlier, checked when it was registered.
    case any

    func defines(_ name: String) -> Bool {
        switch self {
        case .none: false
        case .registry(let registry): registry.connections[name] != nil
        case .any: true
        }
    }

    func spec(of name: String) -> ConnectionSpec? {
        if case .registry(let registry) = self { return registry.connections[name] }
        return nil
    }

    var names: [String] {
        if case .registry(let registry) = self { return Array(registry.connections.keys) }
        return []
    }
}
