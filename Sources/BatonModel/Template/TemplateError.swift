/// A template that cannot be parsed or rendered.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The template text (or its first characters when very long).
    public let template: String
    /// What is wrong, e.g. `unclosed "{{"` or `no value for params.region`.
    public let problem: String

    public init(template: String, problem: String) {
        self.template = template
        self.problem = problem
    }

    public var description: String { "template \"\(template)\": \(problem)" }
}
