/// Where one task of one run stands, as `status --json` spells it.
public enum TaskStatus: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Waits for its upstream edges.
    case pending
    /// Its edges allow it to run; waits for a dispatcher to claim it under the connection's limits.
    case queued
    /// Ready, but its connection's queue is full (`queue.on_full: wait`): it enters the queue, in
    /// order, when there is room.
    case held
    /// A dispatcher holds it and is submitting it to the platform.
    case claimed
    /// The platform accepted it under a run ID; waits for a terminal answer.
    case running
    /// An attempt failed and another will be queued at the recorded time.
    case retryWait = "retry_wait"
    case succeeded
    case failed
    case skipped
    case cancelled

    /// True for the states a task never leaves.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .skipped, .cancelled: return true
        case .pending, .queued, .held, .claimed, .running, .retryWait: return false
        }
    }

    /// True while the task holds a slot of its connection (claimed or running).
    public var holdsSlot: Bool { self == .claimed || self == .running }
}
