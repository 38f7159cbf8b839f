/// The values placeholders are replaced with at dispatch time.
public struct TemplateValues: Sendable, Equatable {
    /// `run.logical_date`, already formatted (ISO 8601 date or date-time).
    public var runLogicalDate: String
    /// `run.id`.
    public var runID: String
    /// `params.*`: run parameters merged over task, replica and workflow defaults by the caller.
    public var params: [String: String]
    /// `tasks.T.output.K`: outputs of finished upstream tasks, by task name then key.
    public var taskOutputs: [String: [String: String]]
    /// `secrets.*`: secret values; they appear only in ``RenderedTemplate/value``.
    public var secrets: [String: String]

    public init(
        runLogicalDate: String,
        runID: String,
        params: [String: String] = [:],
        taskOutputs: [String: [String: String]] = [:],
        secrets: [String: String] = [:]
    ) {
        self.runLogicalDate = runLogicalDate
        self.runID = runID
        self.params = params
        self.taskOutputs = taskOutputs
        self.secrets = secrets
    }
}

/// A rendered template: the real value for the platform and a redacted one for logs and events.
public struct RenderedTemplate: Sendable, Equatable {
    /// The text with every placeholder replaced; may contain secrets — hand it only to the platform.
    public let value: String
    /// The same text with each secret replaced by `***`; safe for logs and events.
    public let redacted: String

    public init(value: String, redacted: String) {
        self.value = value
        self.redacted = redacted
    }
}

extension Template {
    /// The mask written in place of each secret value in ``RenderedTemplate/redacted``.
    public static let secretMask = "***"

    /// Replaces every placeholder with its value; no shell is involved, the result is one argv element.
    /// - Throws: ``TemplateError`` naming this template and the first placeholder without a value.
    /// - Complexity: O(n) in the length of the output.
    public func render(with values: TemplateValues) throws(TemplateError) -> RenderedTemplate {
        var value = ""
        var redacted = ""
        for segment in segments {
            switch segment {
            case .literal(let text):
                value += text
                redacted += text
            case .reference(let reference):
                let (text, isSecret) = try lookUp(reference, in: values)
                value += text
                redacted += isSecret ? Self.secretMask : text
            }
        }
        return RenderedTemplate(value: value, redacted: redacted)
    }

    private func lookUp(_ reference: TemplateReference, in values: TemplateValues) throws(TemplateError) -> (String, Bool) {
        let missing = TemplateError(template: source, problem: "no value for \(reference)")
        switch reference {
        case .runLogicalDate: return (values.runLogicalDate, false)
        case .runID: return (values.runID, false)
        case .param(let name):
            guard let text = values.params[name] else { throw missing }
            return (text, false)
        case .taskOutput(let task, let key):
            guard let text = values.taskOutputs[task]?[key] else { throw missing }
            return (text, false)
        case .secret(let name):
            guard let text = values.secrets[name] else { throw missing }
            return (text, true)
        }
    }
}
