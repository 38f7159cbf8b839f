/// Which tasks of one run may run, which are skipped and how the run ends, given the outcomes so far.
///
/// A pure value: feed it ``start()`` once, then ``record(_:_:)`` once per task that ran, with its final
/// outcome (retries are invisible here). Each edge is looked at once, when its upstream becomes
/// terminal, so a whole run costs O(nodes + edges) and one record costs O(out-edges of the tasks it
/// decides). The rules are in `Specs/semantics.md`.
public struct RunResolution: Sendable, Equatable {
    /// The graph being resolved.
    public let graph: WorkflowGraph
    private var states: [TaskResolutionState]
    /// Per node: incoming edges already satisfied / already impossible.
    private(set) var satisfiedCounts: [Int32]
    private(set) var unsatisfiedCounts: [Int32]
    private var terminalCount = 0
    /// Whether ``start()`` was called.
    public private(set) var isStarted = false
    /// The run's outcome, set once every task is terminal.
    public private(set) var runOutcome: RunOutcome?

    /// A resolution where every task is pending.
    public init(graph: WorkflowGraph) {
        self.graph = graph
        states = Array(repeating: .pending, count: graph.count)
        satisfiedCounts = Array(repeating: 0, count: graph.count)
        unsatisfiedCounts = Array(repeating: 0, count: graph.count)
    }

    /// Number of tasks in a terminal state.
    public var terminalTaskCount: Int { terminalCount }

    /// The state of `task`.
    public func state(of task: TaskIndex) -> TaskResolutionState { states[task.rawValue] }

    /// Makes every root ready. Call once, first.
    public mutating func start() -> ResolutionStep {
        precondition(!isStarted, "start() called twice on the resolution of \(graph.count) tasks")
        isStarted = true
        var step = ResolutionStep()
        for root in graph.roots {
            states[root.rawValue] = .ready
            step.ready.append(root)
        }
        finishIfDone(&step)
        return step
    }

    /// Records the final outcome of a ready task and resolves everything that follows from it.
    ///
    /// Recording for a task that is not ready (pending, or already terminal) is a bug and traps.
    /// - Complexity: O(out-edges of the task and of every task this skips).
    public mutating func record(_ task: TaskIndex, _ outcome: TaskOutcome) -> ResolutionStep {
        let node = task.rawValue
        guard isStarted, states[node] == .ready else {
            preconditionFailure("record \(outcome.rawValue) for task \(graph.name(of: task)) in state \(states[node])\(isStarted ? "" : " before start()")")
        }
        states[node] = outcome == .succeeded ? .succeeded : .failed
        terminalCount += 1
        var step = ResolutionStep()
        propagate(from: node, outcome.terminalState, into: &step)
        finishIfDone(&step)
        return step
    }

    /// Pushes terminal states down the edges; skips cascade through a work list (each node at most once).
    private mutating func propagate(from origin: Int, _ originState: TerminalState, into step: inout ResolutionStep) {
        var work: [(node: Int, state: TerminalState)] = [(origin, originState)]
        var rounds = 0
        while let (node, state) = work.popLast() {
            rounds += 1
            precondition(rounds <= graph.count, "skip cascade from \(graph.names[origin]) visited more than \(graph.count) tasks")
            for edge in graph.downstreamStart[node]..<graph.downstreamStart[node + 1] {
                let next = graph.downstreamNodes[edge]
                guard states[next] == .pending else { continue }
                let condition = graph.downstreamConditions[edge]
                if condition.isSatisfied(by: state) {
                    satisfiedCounts[next] += 1
                } else {
                    unsatisfiedCounts[next] += 1
                }
                switch decision(for: next) {
                case .wait:
                    continue
                case .run:
                    states[next] = .ready
                    step.ready.append(TaskIndex(next))
                case .skip:
                    let reason = SkipReason(upstream: TaskIndex(node), condition: condition, upstreamState: state)
                    states[next] = .skipped(reason)
                    terminalCount += 1
                    step.skipped.append(SkippedTask(task: TaskIndex(next), reason: reason))
                    work.append((next, .skipped))
                }
            }
        }
    }

    private enum Decision { case wait, run, skip }

    /// What a pending node's edge counts imply under its join.
    private func decision(for node: Int) -> Decision {
        let total = Int32(graph.inDegree(node))
        let satisfied = satisfiedCounts[node]
        let unsatisfied = unsatisfiedCounts[node]
        switch graph.joins[node] {
        case .all:
            if unsatisfied > 0 { return .skip }
            return satisfied == total ? .run : .wait
        case .any:
            if satisfied > 0 { return .run }
            return unsatisfied == total ? .skip : .wait
        }
    }

    /// Overwrites every field from `parts` (sizes already checked by the caller).
    mutating func restore(_ parts: Parts) {
        states = parts.states
        satisfiedCounts = parts.satisfiedCounts
        unsatisfiedCounts = parts.unsatisfiedCounts
        terminalCount = parts.states.filter { $0.terminalState != nil }.count
        isStarted = parts.isStarted
        runOutcome = parts.runOutcome
    }

    private mutating func finishIfDone(_ step: inout ResolutionStep) {
        guard terminalCount == graph.count, runOutcome == nil else { return }
        let outcome = LeafOutcomeRule.outcome(of: graph, states: states)
        runOutcome = outcome
        step.runOutcome = outcome
    }
}
