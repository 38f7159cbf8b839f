import BatonModel
import BatonPlatforms
import BatonState

/// One attempt of one task as the runtime handles it outside the lock: what to submit, where.
struct Attempt: Sendable {
    let runID: String
    let task: String
    let attempt: UInt32
    let key: String
    let connection: String
    let status: TaskStatus
    let platformRunID: String?
    let idempotent: Bool
    let platform: Result<any Platform, EngineError>
    /// The rendered request; only attempts planned for a submit carry one (polls and cancels do
    /// not pay for rendering templates and parsing upstream outputs).
    let request: Result<SubmitRequest, TemplateError>?
}

extension Runtime {
    /// Everything needed to act on the current attempt of `task` (its request rendered when
    /// `forSubmit`), or nil when the run or task is unknown, or when `attempt` is given and the
    /// task has moved on from it (an event about an older attempt calls for nothing now).
    func attempt(_ state: EngineState, _ runID: String, _ task: String, attempt expected: UInt32? = nil, forSubmit: Bool = false) -> Attempt? {
        guard let run = state.runs[runID], let index = run.graph.index(named: task)?.rawValue else { return nil }
        let record = run.tasks[index]
        if let expected, record.attempt != expected { return nil }
        let connection = run.connection(of: index)
        let key = Decider.idempotencyKey(runID, task, record.attempt)
        let platformName = state.connectionSpec(connection, of: run)?.platform ?? "sim"
        let platform: Result<any Platform, EngineError> = Result { () throws(EngineError) in
            try platforms.platform(named: platformName, connection: connection)
        }
        let request: Result<SubmitRequest, TemplateError>? = forSubmit ? Result { () throws(TemplateError) in
            try SubmitPlanner.request(run, index: index, attempt: record.attempt, key: key, secrets: options.secrets)
        } : nil
        return Attempt(runID: runID, task: task, attempt: record.attempt, key: key, connection: connection, status: record.status,
                       platformRunID: record.platformRunIDs.last, idempotent: run.spec(of: index).idempotent,
                       platform: platform, request: request)
    }
}
