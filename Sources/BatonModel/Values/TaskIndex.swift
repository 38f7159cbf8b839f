/// Dense position of a task node inside one ``WorkflowGraph`` (`0..<graph.count`).
///
/// Only meaningful together with the graph that issued it; replicas each get their own index.
public struct TaskIndex: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The position in the graph's arrays.
    public let rawValue: Int

    /// Wraps a position; callers guarantee it is inside the graph they use it with.
    public init(_ rawValue: Int) {
        self.rawValue = rawValue
    }

    public static func < (lhs: TaskIndex, rhs: TaskIndex) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "#\(rawValue)" }
}
