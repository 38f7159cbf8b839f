extension RunResolution {
    /// Everything a resolution holds, so a snapshot can store it exactly and restore it without
    /// replaying outcomes (whose order decides which edge a skip records).
    public struct Parts: Sendable, Equatable {
        public var states: [TaskResolutionState]
        public var satisfiedCounts: [Int32]
        public var unsatisfiedCounts: [Int32]
        public var isStarted: Bool
        public var runOutcome: RunOutcome?

        /// Assembles parts.
        public init(states: [TaskResolutionState], satisfiedCounts: [Int32], unsatisfiedCounts: [Int32], isStarted: Bool, runOutcome: RunOutcome?) {
            self.states = states
            self.satisfiedCounts = satisfiedCounts
            self.unsatisfiedCounts = unsatisfiedCounts
            self.isStarted = isStarted
            self.runOutcome = runOutcome
        }
    }

    /// This resolution's parts.
    public var parts: Parts {
        Parts(states: graph.indices.map { state(of: $0) }, satisfiedCounts: satisfiedCounts, unsatisfiedCounts: unsatisfiedCounts,
              isStarted: isStarted, runOutcome: runOutcome)
    }

    /// A resolution restored from `parts` taken of a resolution of the same graph.
    /// - Throws: `RestoreError` when the parts do not fit the graph.
    public init(graph: WorkflowGraph, restoring parts: Parts) throws(RestoreError) {
        guard parts.states.count == graph.count, parts.satisfiedCounts.count == graph.count, parts.unsatisfiedCounts.count == graph.count else {
            throw RestoreError(reason: "resolution of \(parts.states.count) tasks does not fit a graph of \(graph.count)")
        }
        self.init(graph: graph)
        restore(parts)
    }

    /// Why parts could not be restored.
    public struct RestoreError: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "restore resolution: \(reason)" }
    }
}
