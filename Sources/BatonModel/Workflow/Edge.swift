/// A dependency of a task on one upstream task, with the condition under which it lets the task run.
public struct Edge: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Name of the upstream task.
    public var upstream: String
    /// Which terminal state of the upstream satisfies the edge.
    public var condition: EdgeCondition

    public init(upstream: String, condition: EdgeCondition = .success) {
        self.upstream = upstream
        self.condition = condition
    }

    public var description: String { "\(upstream): \(condition.rawValue)" }
}

/// The upstream terminal states that satisfy an edge (Azure Data Factory's four dependency conditions).
public enum EdgeCondition: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Upstream succeeded.
    case success
    /// Upstream failed (after its last attempt).
    case failure
    /// Upstream ran: succeeded or failed. A skipped upstream does not satisfy it.
    case completion
    /// Upstream was skipped.
    case skipped

    /// Whether an upstream that ended in `state` satisfies this condition.
    public func isSatisfied(by state: TerminalState) -> Bool {
        switch (self, state) {
        case (.success, .succeeded), (.failure, .failed), (.skipped, .skipped): true
        case (.completion, .succeeded), (.completion, .failed): true
        case (.success, _), (.failure, _), (.skipped, _), (.completion, .skipped): false
        }
    }
}

/// How a task's edges combine.
public enum Join: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Run when every edge is satisfied; skip as soon as one cannot be.
    case all
    /// Run as soon as one edge is satisfied; skip when none can be.
    case any
}

/// The final state of a task in a run.
public enum TerminalState: String, Sendable, Equatable, Hashable, CaseIterable {
    case succeeded
    case failed
    case skipped
}
