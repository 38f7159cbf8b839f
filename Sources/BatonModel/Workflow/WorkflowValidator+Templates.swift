extension WorkflowValidator {
    /// Checks that `params.x` is declared and `tasks.t.output.k` names an ancestor of the task.
    ///
    /// Ancestry is computed once for all tasks, and only when some template names a task (see
    /// ``AncestorSets``), so the check stays near-linear however many tasks reference others.
    mutating func checkTemplates() {
        let ancestors = AncestorSets(tasks: tasks, positions: positions, targets: referencedTasks())
        for position in tasks.indices where !tasks[position].templates.isEmpty {
            let spec = tasks[position].spec
            for (template, mark) in tasks[position].templates {
                for case .reference(let reference) in template.segments {
                    switch reference {
                    case .param(let name) where !isDeclared(name, in: spec):
                        let paramNames = declaredParams(of: spec)
                        decoder.report(mark, task: spec.id,
                                       "template \"\(template)\" names undeclared param \"\(name)\"\(Suggestion.hint(for: name, in: paramNames))")
                    case .taskOutput(let upstream, _):
                        guard let target = positions[upstream] else {
                            decoder.report(mark, task: spec.id, "template \"\(template)\" names unknown task \"\(upstream)\"")
                            continue
                        }
                        if !ancestors.contains(target, amongAncestorsOf: position) {
                            decoder.report(mark, task: spec.id,
                                           "template \"\(template)\" names task that is not an ancestor of \(spec.id) \"\(upstream)\"")
                        }
                    case .param, .runID, .runLogicalDate, .secret:
                        continue
                    }
                }
            }
        }
    }

    /// Positions of every existing task some template reads the output of.
    private func referencedTasks() -> [Int] {
        var targets: [Int] = []
        var isTarget = [Bool](repeating: false, count: tasks.count)
        for position in tasks.indices where !tasks[position].templates.isEmpty {
            for (template, _) in tasks[position].templates {
                for case .reference(.taskOutput(let upstream, _)) in template.segments {
                    guard let target = positions[upstream], !isTarget[target] else { continue }
                    isTarget[target] = true
                    targets.append(target)
                }
            }
        }
        return targets
    }

    private func isDeclared(_ name: String, in spec: TaskSpec) -> Bool {
        if workflow.params[name] != nil || spec.params[name] != nil { return true }
        guard case .params(let maps) = spec.replicas else { return false }
        return maps.contains { $0[name] != nil }
    }

    /// Every param name a template of `spec` may use (built only to suggest a spelling).
    private func declaredParams(of spec: TaskSpec) -> Set<String> {
        var names = Set(workflow.params.keys).union(spec.params.keys)
        if case .params(let maps) = spec.replicas {
            for map in maps { names.formUnion(map.keys) }
        }
        return names
    }
}
