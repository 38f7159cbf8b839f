/// An event the projection cannot apply: the log contradicts itself or names unknown things.
public struct StateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The sequence number of the offending event.
    public let seq: UInt64
    /// What is wrong with it.
    public let reason: String

    /// Describes the problem.
    public init(seq: UInt64, reason: String) {
        self.seq = seq
        self.reason = reason
    }

    public var description: String { "apply event \(seq): \(reason)" }
}
