extension RunResolution {
    /// Traps unless every stored count and state agrees with a from-scratch evaluation. For tests.
    /// - Complexity: O(nodes + edges).
    public func checkInvariants() {
        var terminal = 0
        for task in graph.indices {
            let node = task.rawValue
            let state = state(of: task)
            if state.terminalState != nil { terminal += 1 }
            var satisfied = 0
            var unsatisfied = 0
            for (upstream, condition) in graph.upstreams(of: task) {
                guard let upstreamState = self.state(of: upstream).terminalState else { continue }
                if condition.isSatisfied(by: upstreamState) { satisfied += 1 } else { unsatisfied += 1 }
            }
            let total = graph.inDegree(node)
            let mayRun = total == 0 || (graph.joins[node] == .all ? satisfied == total : satisfied > 0)
            let cannotRun = graph.joins[node] == .all ? unsatisfied > 0 : unsatisfied == total && total > 0
            let name = graph.name(of: task)
            switch state {
            case .pending:
                precondition(!isStarted || (!mayRun && !cannotRun), "task \(name) is pending but decidable (\(satisfied)/\(unsatisfied)/\(total))")
                precondition(Int(satisfiedCounts[node]) == satisfied && Int(unsatisfiedCounts[node]) == unsatisfied,
                             "task \(name) counts \(satisfiedCounts[node])/\(unsatisfiedCounts[node]) but upstreams say \(satisfied)/\(unsatisfied)")
            case .ready, .succeeded, .failed:
                precondition(mayRun, "task \(name) is \(state) but its edges do not allow it to run")
            case .skipped(let reason):
                precondition(cannotRun, "task \(name) is skipped but its edges may still be met")
                let decider = self.state(of: reason.upstream).terminalState
                precondition(decider == reason.upstreamState && !reason.condition.isSatisfied(by: reason.upstreamState),
                             "task \(name) skip reason \(reason) does not match upstream state \(String(describing: decider))")
            }
        }
        precondition(terminal == terminalTaskCount, "terminal count \(terminalTaskCount) but \(terminal) tasks terminal")
        precondition((runOutcome != nil) == (isStarted && terminal == graph.count),
                     "run outcome \(String(describing: runOutcome)) with \(terminal) of \(graph.count) tasks terminal")
    }
}
