/// What a task run produced, as reported to ``RunResolution/record(_:_:)`` after its last attempt.
public enum TaskOutcome: String, Sendable, Equatable, Hashable, CaseIterable {
    case succeeded
    case failed

    /// The matching terminal state.
    public var terminalState: TerminalState {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        }
    }
}

/// The outcome of a whole run under the leaf rule of `Specs/semantics.md`.
public enum RunOutcome: String, Sendable, Equatable, Hashable, CaseIterable {
    case succeeded
    case failed
}

/// Why a task was skipped: the upstream edge that decided it.
public struct SkipReason: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The upstream node whose terminal state decided the skip.
    public let upstream: TaskIndex
    /// The condition of the deciding edge.
    public let condition: EdgeCondition
    /// The state the upstream ended in, which does not satisfy `condition`.
    public let upstreamState: TerminalState

    public init(upstream: TaskIndex, condition: EdgeCondition, upstreamState: TerminalState) {
        self.upstream = upstream
        self.condition = condition
        self.upstreamState = upstreamState
    }

    public var description: String { "edge \(upstream): \(condition.rawValue) not met, upstream \(upstreamState.rawValue)" }
}

/// Where a task stands in a run's resolution.
public enum TaskResolutionState: Sendable, Equatable, Hashable {
    /// Waits for upstream edges to resolve.
    case pending
    /// Its edges allow it to run; waits for its final outcome to be recorded (retries happen meanwhile).
    case ready
    /// Ran and succeeded (terminal).
    case succeeded
    /// Ran and failed after its last attempt (terminal).
    case failed
    /// Will never run because its edges can no longer be satisfied (terminal).
    case skipped(SkipReason)

    /// The terminal state, or `nil` while pending or ready.
    public var terminalState: TerminalState? {
        switch self {
        case .pending, .ready: nil
        case .succeeded: .succeeded
        case .failed: .failed
        case .skipped: .skipped
        }
    }
}

/// A task skipped by one resolution step, with its reason.
public struct SkippedTask: Sendable, Equatable, Hashable {
    public let task: TaskIndex
    public let reason: SkipReason

    public init(task: TaskIndex, reason: SkipReason) {
        self.task = task
        self.reason = reason
    }
}

/// What one input to ``RunResolution`` changed.
public struct ResolutionStep: Sendable, Equatable {
    /// Tasks that became ready, in the order they were decided.
    public var ready: [TaskIndex] = []
    /// Tasks that became skipped (recursively), in the order they were decided.
    public var skipped: [SkippedTask] = []
    /// Set when this step made every task terminal.
    public var runOutcome: RunOutcome?

    public init(ready: [TaskIndex] = [], skipped: [SkippedTask] = [], runOutcome: RunOutcome? = nil) {
        self.ready = ready
        self.skipped = skipped
        self.runOutcome = runOutcome
    }
}
