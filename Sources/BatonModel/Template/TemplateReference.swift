/// What a `{{ ... }}` placeholder names.
public enum TemplateReference: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// `{{ run.logical_date }}`: the run's logical date (ISO 8601).
    case runLogicalDate
    /// `{{ run.id }}`: the run ID.
    case runID
    /// `{{ params.x }}`: a run, workflow, task or replica parameter.
    case param(String)
    /// `{{ tasks.t.output.key }}`: one key of an upstream task's output.
    case taskOutput(task: String, key: String)
    /// `{{ secrets.name }}`: a secret; rendered into the argv but redacted everywhere else.
    case secret(String)

    /// Parses the text between the braces, e.g. ` params.region `.
    /// - Throws: ``TemplateError`` naming `template` and the bad reference.
    init(parsing inner: Substring, in template: String) throws(TemplateError) {
        let path = inner.trimmingSpaces()
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func fail(_ problem: String) -> TemplateError { TemplateError(template: template, problem: problem) }
        guard !path.isEmpty else { throw fail("empty placeholder \"{{}}\"") }
        guard parts.allSatisfy(NameRules.isIdentifier) else {
            throw fail("\"\(path)\" is not a dotted path of names")
        }
        switch (parts.first ?? "", parts.count) {
        case ("run", 2) where parts[1] == "logical_date": self = .runLogicalDate
        case ("run", 2) where parts[1] == "id": self = .runID
        case ("run", _): throw fail("unknown run field \"\(path)\" (known: run.logical_date, run.id)")
        case ("params", 2): self = .param(parts[1])
        case ("secrets", 2): self = .secret(parts[1])
        case ("tasks", 4) where parts[2] == "output": self = .taskOutput(task: parts[1], key: parts[3])
        case ("params", _), ("secrets", _), ("tasks", _):
            throw fail("\"\(path)\" has the wrong shape (expected params.NAME, secrets.NAME or tasks.TASK.output.KEY)")
        default:
            throw fail("unknown namespace \"\(parts[0])\" in \"\(path)\" (known: run, params, tasks, secrets)")
        }
    }

    /// The canonical placeholder text, e.g. `{{ params.region }}`.
    public var description: String {
        switch self {
        case .runLogicalDate: "{{ run.logical_date }}"
        case .runID: "{{ run.id }}"
        case .param(let name): "{{ params.\(name) }}"
        case .taskOutput(let task, let key): "{{ tasks.\(task).output.\(key) }}"
        case .secret(let name): "{{ secrets.\(name) }}"
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
