public import BatonModel

/// Everything the log says about one run: its definition, the resolution of its DAG, and the
/// record of every task.
public struct RunState: Sendable, Equatable {
    /// How a finished run ended.
    public enum Outcome: String, Sendable, Equatable {
        case succeeded
        case failed
        case cancelled
    }

    public let id: String
    public let workflow: Workflow
    /// Hex SHA-256 of the definition the run started with.
    public let workflowHash: String
    public let graph: WorkflowGraph
    public let params: [String: String]
    public let logicalDateMicros: Int64
    public let trigger: String
    public let actor: String
    public let createdAtMicros: Int64
    public internal(set) var resolution: RunResolution
    /// One record per graph node, by `TaskIndex.rawValue`.
    public internal(set) var tasks: [TaskRecord]
    public internal(set) var outcome: Outcome?
    public internal(set) var finishedAtMicros: Int64?
    /// Why an operator asked to cancel the run, once asked (until a clear opens it again).
    public internal(set) var cancelReason: String?

    // Work the decider still owes this run; each set empties as the matching events are applied.
    /// Resolution made these ready; they wait for their first TaskQueued.
    var needsQueue: Set<Int> = []
    /// Resolution skipped these; they wait for their TaskSkipped.
    var needsSkipEvent: [Int: SkipReason] = [:]
    /// A retryable attempt failed; the retry time is not decided yet.
    var needsRetryDecision: Set<Int> = []
    /// Retries decided and waiting for their time.
    var retryTimers: Set<Int> = []

    init(id: String, workflow: Workflow, graph: WorkflowGraph, workflowHash: String, params: [String: String], logicalDateMicros: Int64,
         trigger: String, actor: String, createdAtMicros: Int64) {
        self.id = id
        self.workflow = workflow
        self.workflowHash = workflowHash
        self.graph = graph
        self.params = params
        self.logicalDateMicros = logicalDateMicros
        self.trigger = trigger
        self.actor = actor
        self.createdAtMicros = createdAtMicros
        self.resolution = RunResolution(graph: graph)
        self.tasks = Array(repeating: TaskRecord(), count: graph.count)
    }

    /// The task spec behind graph node `index` (replicas share their task's spec).
    public func spec(of index: Int) -> TaskSpec {
        workflow.tasks[graph.taskPositions[index]]
    }

    /// The connection name of node `index`.
    public func connection(of index: Int) -> String { spec(of: index).connection }

    /// True while the decider owes this run events.
    var hasWork: Bool {
        if outcome != nil { return false }
        return cancelReason != nil || !needsQueue.isEmpty || !needsSkipEvent.isEmpty || !needsRetryDecision.isEmpty
            || !retryTimers.isEmpty || resolution.runOutcome != nil
    }

    /// Folds a resolution step into the worklists. Only pending tasks are owed their first
    /// event (one cancelled before its upstream finished is not), the rule `deriveWorklists` uses.
    mutating func absorb(_ step: ResolutionStep) {
        for task in step.ready where tasks[task.rawValue].status == .pending { needsQueue.insert(task.rawValue) }
        for skipped in step.skipped where tasks[skipped.task.rawValue].status == .pending {
            needsSkipEvent[skipped.task.rawValue] = skipped.reason
        }
    }

    /// Rebuilds the decider's worklists from task records and the resolution (after a restore).
    mutating func deriveWorklists() {
        needsQueue = []
        needsSkipEvent = [:]
        needsRetryDecision = []
        retryTimers = []
        for index in tasks.indices {
            let task = tasks[index]
            switch resolution.state(of: TaskIndex(index)) {
            case .ready where task.status == .pending: needsQueue.insert(index)
            case .skipped(let reason) where task.status == .pending: needsSkipEvent[index] = reason
            default: break
            }
            if task.status == .retryWait {
                if task.retryNotBeforeMicros == nil { needsRetryDecision.insert(index) } else { retryTimers.insert(index) }
            }
        }
    }

    /// Resets the tasks at `indices` (a task and everything downstream of it) to pending and
    /// opens the run again: the resolution is rebuilt from the outcomes of the tasks kept, which
    /// reproduces their states exactly (none of them is downstream of a reset task).
    mutating func clear(_ indices: [Int]) {
        for index in indices {
            var task = TaskRecord()
            let old = tasks[index]
            task.attempt = old.attempt
            task.attemptsBeforeClear = old.attempt
            task.platformRunIDs = old.platformRunIDs
            tasks[index] = task
        }
        var resolution = RunResolution(graph: graph)
        var ready = resolution.start().ready
        while let next = ready.popLast() {
            let outcome: TaskOutcome
            switch tasks[next.rawValue].status {
            case .succeeded: outcome = .succeeded
            case .failed, .cancelled: outcome = .failed
            default: continue
            }
            ready += resolution.record(next, outcome).ready
        }
        self.resolution = resolution
        outcome = nil
        finishedAtMicros = nil
        cancelReason = nil
        deriveWorklists()
    }

    /// The task at `index` and every task downstream of it, in topological order (`index` first).
    func downstreamClosure(of index: Int) -> [Int] {
        var seen: Set<Int> = [index]
        var work = [TaskIndex(index)]
        while let node = work.popLast() {
            for (next, _) in graph.downstreams(of: node) where seen.insert(next.rawValue).inserted { work.append(next) }
        }
        return graph.topologicalOrder.map(\.rawValue).filter { seen.contains($0) }
    }

    /// Counts of tasks per status.
    public var statusCounts: [TaskStatus: Int] {
        tasks.reduce(into: [:]) { $0[$1.status, default: 0] += 1 }
    }
}
