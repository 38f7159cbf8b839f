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
    /// How to render the request; only attempts planned for a submit carry one (polls and
    /// cancels do not pay for rendering templates and parsing upstream outputs).
    let request: SubmitPlan?
}

/// A submit's request, rendered once the secrets it names are at hand.
struct SubmitPlan: Sendable {
    /// Secrets the job references that the process was not given: fetched from the stores at dispatch.
    let fetch: [String]
    /// Renders the request with the fetched values added to the given ones.
    let render: @Sendable ([String: String]) -> Result<SubmitRequest, TemplateError>
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
        let spec = state.connectionSpec(connection, of: run)
        let platform: Result<any Platform, EngineError> = Result { () throws(EngineError) in
            try platforms.platform(for: connection, spec: spec, bind: bind)
        }
        var request: SubmitPlan?
        if forSubmit {
            let given = options.secrets
            let named = Set(run.spec(of: index).templates.flatMap(\.references).compactMap { reference -> String? in
                if case .secret(let name) = reference { return name }
                return nil
            })
            request = SubmitPlan(fetch: named.filter { given[$0] == nil }.sorted()) { fetched in
                Result { () throws(TemplateError) in
                    try SubmitPlanner.request(run, index: index, attempt: record.attempt, key: key, secrets: given.merging(fetched) { $1 })
                }
            }
        }
        return Attempt(runID: runID, task: task, attempt: record.attempt, key: key, connection: connection, status: record.status,
                       platformRunID: record.platformRunIDs.last, idempotent: run.spec(of: index).idempotent,
                       platform: platform, request: request)
    }
}
