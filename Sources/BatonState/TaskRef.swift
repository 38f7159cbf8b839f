/// One task (replicas count as tasks) of one run.
public struct TaskRef: Sendable, Hashable, CustomStringConvertible {
    /// The run's ID.
    public let run: String
    /// The task's dense index in the run's graph.
    public let index: Int

    /// Names a task.
    public init(run: String, index: Int) {
        self.run = run
        self.index = index
    }

    public var description: String { "\(run)#\(index)" }
}
