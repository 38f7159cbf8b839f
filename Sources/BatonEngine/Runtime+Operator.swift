public import BatonEvents
import BatonState
import BatonPlatforms

/// What an operator's cancel, retry or clear did.
public struct OperatorResult: Sendable, Equatable {
    /// False when the request changed nothing (the run was already being cancelled).
    public var changed: Bool
    /// The tasks it reset (retry and clear), `task` first.
    public var tasks: [String] = []
}

extension Runtime {
    /// Cancels run `runID`: tasks not finished are cancelled (running ones are also asked to
    /// stop on their platforms, best effort) and the run finishes cancelled. Asking again while
    /// the cancellation is under way changes nothing.
    /// - Throws: `EngineError.unknownRun`, `.conflict` when the run has finished, or a log failure.
    public func cancelRun(_ runID: String, reason: String, actor: String) async throws(EngineError) -> OperatorResult {
        try catchUpAndWake()
        try Self.checkCancellable(core.state, runID)
        let request = EventFactory.runCancelRequested(runID, reason: reason.isEmpty ? "cancelled by \(actor)" : reason, actor: actor)
        let result = try await commitOutsideLoop([request])
        let state = result.state
        guard result.events.contains(where: { $0.runID == runID && $0.kindName == "RunCancelRequested" }) else {
            try Self.checkCancellable(state, runID)
            return OperatorResult(changed: false)
        }
        // Stop requests go out from here (the loop plans effects only for its own commits), and
        // are awaited, so a CLI process does not exit before they were made.
        await withTaskGroup(of: Void.self) { group in
            for event in result.events {
                guard case .cancel(let work, let id)? = EffectPlanner.stop(after: event, state, runtime: self) else { continue }
                group.addTask { [self] in await cancel(work, id) }
            }
        }
        return OperatorResult(changed: true)
    }

    private static func checkCancellable(_ state: EngineState, _ runID: String) throws(EngineError) {
        guard let run = state.runs[runID] else { throw .unknownRun(runID) }
        if let outcome = run.outcome { throw .conflict("run \(runID) has already finished (\(outcome.rawValue)); there is nothing to cancel") }
    }

    /// Resets `task` of run `runID` and everything downstream of it so they run again (`mode`
    /// .retry for a failed or cancelled task, .clear for any finished one); a finished run opens
    /// again. Returns the tasks reset.
    /// - Throws: `EngineError.unknownRun`, `.unknownTask`, `.conflict` naming the task in the way,
    ///   or a log failure.
    public func clearTask(_ runID: String, task: String, mode: Baton_V1_ClearMode, reason: String, actor: String) async throws(EngineError) -> OperatorResult {
        try catchUpAndWake()
        let tasks = try Self.check(core.state.tasksToClear(run: runID, task: task, mode: mode))
        let request = EventFactory.tasksCleared(runID, task: task, tasks: tasks, mode: mode, reason: reason, actor: actor)
        let result = try await commitOutsideLoop([request])
        guard result.events.contains(where: { $0.runID == runID && $0.kindName == "TasksCleared" }) else {
            // Something moved between the check and the lock: say what stands in the way now.
            _ = try Self.check(result.state.tasksToClear(run: runID, task: task, mode: mode))
            throw .conflict("task \(task) of run \(runID) changed while the request was made; ask again")
        }
        return OperatorResult(changed: true, tasks: tasks)
    }

    private static func check(_ result: Result<[String], ClearRefusal>) throws(EngineError) -> [String] {
        switch result {
        case .success(let tasks): return tasks
        case .failure(.unknownRun(let id)): throw .unknownRun(id)
        case .failure(.unknownTask(let run, let task)): throw .unknownTask(run: run, task: task)
        case .failure(.conflict(let reason)): throw .conflict(reason)
        }
    }
}

extension Runtime {
    /// Appends `observation` (e.g. an `AlertDelivery`) when it still applies, with whatever the
    /// decider then owes; returns whether it was appended.
    /// - Throws: `EngineError.log` when the append failed.
    public func record(_ observation: Baton_V1_Event) async throws(EngineError) -> Bool {
        try await commitOutsideLoop([observation]).events.contains { $0.kindName == observation.kindName && $0.runID == observation.runID }
    }
}
