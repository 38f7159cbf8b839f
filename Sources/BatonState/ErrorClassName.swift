public import BatonEvents

extension Baton_V1_ErrorClass {
    /// The snake_case name used in workflows (`retry_on`), status output and replay.
    public var name: String {
        switch self {
        case .unspecified: return "unspecified"
        case .task: return "task"
        case .transient: return "transient"
        case .throttled: return "throttled"
        case .auth: return "auth"
        case .invalid: return "invalid"
        case .notFound: return "not_found"
        case .timeout: return "timeout"
        case .lost: return "lost"
        case .rejected: return "rejected"
        case .queueTimeout: return "queue_timeout"
        case .dropped: return "dropped"
        case .UNRECOGNIZED(let value): return "unknown_\(value)"
        }
    }
}

extension Baton_V1_ContentionDecision {
    /// The decision's snake_case name, as replay and the API spell it.
    public var name: String {
        switch self {
        case .unspecified: return "unspecified"
        case .held: return "held"
        case .rejected: return "rejected"
        case .dropped: return "dropped"
        case .queueTimedOut: return "queue_timed_out"
        case .promoted: return "promoted"
        case .UNRECOGNIZED(let value): return "unknown_\(value)"
        }
    }
}

extension Baton_V1_EdgeCondition {
    /// The condition's name as written in workflows (`after: { a: failure }`) and shown in replay.
    public var name: String {
        switch self {
        case .unspecified: return "unspecified"
        case .success: return "success"
        case .failure: return "failure"
        case .completion: return "completion"
        case .skipped: return "skipped"
        case .UNRECOGNIZED(let value): return "unknown_\(value)"
        }
    }
}
