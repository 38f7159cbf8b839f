public import BatonEvents

/// Why an operator's retry or clear of a task cannot be done now.
public enum ClearRefusal: Error, Sendable, Equatable {
    case unknownRun(String)
    case unknownTask(run: String, task: String)
    /// The request names real things but conflicts with where they stand.
    case conflict(String)
}

extension EngineState {
    /// The tasks a retry (`mode` .retry: `task` must have failed or been cancelled) or clear
    /// (.clear: `task` must be finished) of `task` in run `runID` resets: it and everything
    /// downstream of it, in topological order. None of them may be queued, claimed, running or
    /// waiting for a retry, and a run being cancelled is left to finish first.
    /// - Complexity: O(tasks of the run + their edges).
    public func tasksToClear(run runID: String, task: String, mode: Baton_V1_ClearMode) -> Result<[String], ClearRefusal> {
        guard let run = runs[runID] else { return .failure(.unknownRun(runID)) }
        guard let index = run.graph.index(named: task)?.rawValue else { return .failure(.unknownTask(run: runID, task: task)) }
        let status = run.tasks[index].status
        if run.cancelReason != nil && run.outcome == nil {
            return .failure(.conflict("run \(runID) is being cancelled; retry or clear it once it has finished"))
        }
        switch mode {
        case .retry where status != .failed && status != .cancelled:
            return .failure(.conflict("task \(task) of run \(runID) is \(status.rawValue); only a failed or cancelled task can be retried (clear resets any finished task)"))
        case .clear where !status.isTerminal, .retry where !status.isTerminal:
            return .failure(.conflict("task \(task) of run \(runID) is \(status.rawValue); wait for it to finish"))
        case .unspecified, .UNRECOGNIZED:
            return .failure(.conflict("unknown clear mode"))
        default:
            break
        }
        let closure = run.downstreamClosure(of: index)
        if let busy = closure.first(where: { !run.tasks[$0].status.isTerminal && run.tasks[$0].status != .pending }) {
            return .failure(.conflict("task \(run.graph.names[busy]) downstream of \(task) in run \(runID) is \(run.tasks[busy].status.rawValue); wait for it to finish"))
        }
        return .success(closure.map { run.graph.names[$0] })
    }
}
