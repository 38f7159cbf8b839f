import BatonModel
public import BatonLog

/// What the engine can fail with; each case names the operation and the offending input.
public enum EngineError: Error, Sendable, CustomStringConvertible {
    /// The log could not be read or written.
    case log(LogError)
    /// A stored event does not decode or contradicts the projection.
    case corruptHistory(String)
    /// The run asked for does not exist.
    case unknownRun(String)
    /// No definition of this workflow name is registered.
    case unknownWorkflow(String)
    /// A request that cannot be carried out as asked, with why.
    case invalidRequest(String)
    /// The run has no task of that name.
    case unknownTask(run: String, task: String)
    /// A well-formed request that conflicts with where the run stands now, with why.
    case conflict(String)
    /// A run ID was reused for a different workflow.
    case runIDConflict(runID: String, existingWorkflow: String, requestedWorkflow: String)
    /// A connection names a platform this build does not have.
    case unknownPlatform(connection: String, platform: String)
    /// A connection's adapter refused its settings (a missing address, no credentials).
    case platformSettings(connection: String, message: String)

    public var description: String {
        switch self {
        case .log(let error): return error.description
        case .corruptHistory(let reason): return "replay the log: \(reason)"
        case .unknownRun(let id): return "find run \(id): no such run in this data directory"
        case .invalidRequest(let reason): return reason
        case .unknownTask(let run, let task): return "find task \(task) in run \(run): the run's definition has no such task"
        case .conflict(let reason): return reason
        case .unknownWorkflow(let name): return "find workflow \(name): no definition of it is registered (a host registers its workflows directory)"
        case .runIDConflict(let id, let existing, let requested):
            return "create run \(id) of \(requested): that run ID already belongs to a run of \(existing)"
        case .unknownPlatform(let connection, let platform):
            return "connection \(connection): unknown platform \"\(platform)\" (known: \(PlatformCatalog.names.joined(separator: ", ")))"
        case .platformSettings(let connection, let message):
            return "connection \(connection): \(message)"
        }
    }
}
