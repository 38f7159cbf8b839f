/// Cross-reference checks that need the whole decoded workflow: names, connections, edges, cycles, templates.
///
/// Reports through the decoder so all problems land in one list. Costs O(tasks + edges) plus, for
/// tasks whose templates name other tasks, one upstream walk each.
struct WorkflowValidator {
    var decoder: WorkflowDecoder
    var workflow: Workflow
    let tasks: [DecodedTask]
    let marks: DocumentMarks
    /// Task name to position in `tasks` (first occurrence).
    private(set) var positions: [String: Int] = [:]

    init(decoder: WorkflowDecoder, workflow: Workflow, tasks: [DecodedTask], marks: DocumentMarks) {
        self.decoder = decoder
        self.workflow = workflow
        self.tasks = tasks
        self.marks = marks
    }

    /// Runs every check and returns the workflow with connections resolved (meaningful only without problems).
    mutating func validate() -> Workflow {
        checkNames()
        let resolved = resolveConnections()
        let successors = checkEdges()
        checkCycles(successors: successors)
        checkTemplates(in: resolved)
        if tasks.isEmpty, decoder.problems.isEmpty {
            decoder.report(marks.tasks, "the workflow has no tasks")
        }
        workflow.tasks = resolved
        return workflow
    }

    private mutating func checkNames() {
        positions.reserveCapacity(tasks.count)
        for (position, task) in tasks.enumerated() {
            if let first = positions[task.spec.id] {
                decoder.report(task.mark, task: task.spec.id,
                               "duplicate task name \"\(task.spec.id)\" (first defined at line \(tasks[first].mark.line))")
            } else {
                positions[task.spec.id] = position
            }
        }
    }

    /// Gives every task its connection (own, default, sole declared, or built-in `sim`) and checks it exists.
    private mutating func resolveConnections() -> [TaskSpec] {
        let declared = workflow.connections
        let fallback = workflow.defaults.connection ?? (declared.count == 1 ? declared.keys.first : nil) ?? ConnectionSpec.builtInName
        let known = { (name: String) in declared[name] != nil || name == ConnectionSpec.builtInName }
        if let name = workflow.defaults.connection, !known(name) {
            decoder.report(marks.defaultConnection ?? .documentStart,
                           "unknown connection \"\(name)\" in defaults.connection\(Suggestion.hint(for: name, in: declared.keys))")
        }
        var result: [TaskSpec] = []
        result.reserveCapacity(tasks.count)
        for task in tasks {
            var spec = task.spec
            if let mark = task.connectionMark {
                if !known(spec.connection) {
                    decoder.report(mark, task: spec.id,
                                   "unknown connection \"\(spec.connection)\"\(Suggestion.hint(for: spec.connection, in: declared.keys))")
                }
            } else {
                spec.connection = fallback
            }
            if spec.connection == ConnectionSpec.builtInName, declared[spec.connection] == nil {
                workflow.connections[spec.connection] = ConnectionSpec(platform: "sim")
            }
            result.append(spec)
        }
        return result
    }

    /// Reports self-edges, unknown upstreams and repeated edges; returns downstream adjacency by position.
    private mutating func checkEdges() -> [[Int]] {
        var successors = [[Int]](repeating: [], count: tasks.count)
        for (position, task) in tasks.enumerated() where positions[task.spec.id] == position {
            var seen: Set<String> = []
            for (edge, mark) in zip(task.spec.after, task.edgeMarks) {
                let id = task.spec.id
                if edge.upstream == id {
                    decoder.report(mark, task: id, edge: edge.upstream, "task depends on itself")
                } else if let upstream = positions[edge.upstream] {
                    if seen.insert(edge.upstream).inserted {
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
