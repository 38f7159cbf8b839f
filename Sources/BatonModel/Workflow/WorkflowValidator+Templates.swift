extension WorkflowValidator {
    /// Most tasks walked when collecting one task's ancestors (the whole graph, bounded for safety).
    static let ancestorWalkMax = 10_000_000

    /// Checks that `params.x` is declared and `tasks.t.output.k` names an ancestor of the task.
    mutating func checkTemplates(in specs: [TaskSpec]) {
        for (position, task) in tasks.enumerated() where !task.templates.isEmpty {
            var ancestors: Set<String>?
            let spec = specs[position]
            var paramNames = Set(workflow.params.keys).union(spec.params.keys)
            if case .params(let maps) = spec.replicas {
                for map in maps { paramNames.formUnion(map.keys) }
            }
            for (template, mark) in task.templates {
                for reference in template.references {
                    switch reference {
                    case .param(let name) where !paramNames.contains(name):
                        decoder.report(mark, task: spec.id,
                                       "template \"\(template)\" names undeclared param \"\(name)\"\(Suggestion.hint(for: name, in: paramNames))")
                    case .taskOutput(let upstream, _):
                        let known = ancestors ?? collectAncestors(of: position)
                        ancestors = known
                        if !known.contains(upstream) {
                            let why = positions[upstream] == nil ? "unknown task" : "task that is not an ancestor of \(spec.id)"
                            decoder.report(mark, task: spec.id, "template \"\(template)\" names \(why) \"\(upstream)\"")
                        }
                    case .param, .runID, .runLogicalDate, .secret:
                        continue
                    }
                }
            }
        }
    }

    /// Names of every task reachable upstream from `position`.
    private func collectAncestors(of position: Int) -> Set<String> {
        var seen: Set<String> = []
        var stack = tasks[position].spec.after.map(\.upstream)
        var steps = 0
        while let name = stack.popLast(), steps < Self.ancestorWalkMax {
            steps += 1
            guard let upstream = positions[name], seen.insert(name).inserted else { continue }
            stack.append(contentsOf: tasks[upstream].spec.after.map(\.upstream))
        }
        return seen
    }
}
