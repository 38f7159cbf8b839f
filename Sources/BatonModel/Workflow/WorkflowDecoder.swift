/// Reads a composed YAML node tree into model values, collecting every problem instead of stopping.
///
/// Each helper returns `nil` after reporting when its node has the wrong shape, so callers simply
/// skip the field and carry on; the loader throws once at the end if anything was reported.
struct WorkflowDecoder {
    /// File name used in every ``Problem``.
    let file: String
    /// Everything reported so far, in discovery order.
    private(set) var problems: [Problem] = []
    /// Templates parsed so far by source text: generated workflows repeat the same argv elements in
    /// every task, and a hit costs one hash instead of a parse and its allocations.
    private var templates: [String: Template] = [:]

    /// Most distinct template texts remembered; beyond it templates are parsed every time.
    static let templateCacheMax = 4_096

    init(file: String) {
        self.file = file
    }

    /// Records one problem.
    mutating func report(_ mark: SourceMark, task: String? = nil, edge: String? = nil, _ message: String) {
        problems.append(Problem(file: file, line: mark.line, column: mark.column, task: task, edge: edge, message: message))
    }

    /// The entries of a mapping node, without keys marked as duplicates (reported here) and with
    /// unknown keys reported with a suggestion. `known` empty means "any key".
    /// `context` is built only when a problem is reported.
    mutating func entries(
        of node: YAMLNode, in context: @autoclosure () -> String, known: [String] = [], task: String? = nil
    ) -> [MappingEntry]? {
        guard case .mapping(let mapping) = node else {
            report(SourceMark(node), task: task, "\(context()) must be a mapping, got \(shape(of: node))")
            return nil
        }
        var result: [MappingEntry] = []
        result.reserveCapacity(mapping.count)
        var firstKeys = FirstKeys(pairCount: mapping.count)
        for (index, (keyNode, value)) in mapping.pairs.enumerated() {
            guard case .scalar(let keyScalar) = keyNode else {
                report(SourceMark(keyNode), task: task, "\(context()) has a key that is not a plain string")
                continue
            }
            let key = keyScalar.string
            let firstIndex = firstKeys.claim(key, at: index, among: mapping.pairs)
            if firstIndex != index {
                let first = mapping.pairs[firstIndex].key.mark
                let context = context()
                let isTaskName = context == "tasks"
                report(keyScalar.mark, task: isTaskName ? key : task,
                       (isTaskName ? "duplicate task name \"\(key)\"" : "duplicate key \"\(key)\" in \(context)")
                       + " (first defined at line \(first.line))")
                continue
            }
            if !known.isEmpty, !known.contains(key) {
                report(SourceMark(keyNode), task: task,
                       "unknown key \"\(key)\" in \(context())\(Suggestion.hint(for: key, in: known))")
                continue
            }
            result.append(MappingEntry(key: key, keyNode: keyNode, value: value))
        }
        return result
    }

    /// A scalar's text; reports and returns `nil` for mappings and sequences.
    mutating func text(_ node: YAMLNode, _ what: @autoclosure () -> String, task: String? = nil) -> String? {
        guard let scalar = node.scalar else {
            report(SourceMark(node), task: task, "\(what()) must be a single value, got \(shape(of: node))")
            return nil
        }
        return scalar.string
    }

    /// A non-negative integer no larger than `maximum`.
    mutating func integer(_ node: YAMLNode, _ what: @autoclosure () -> String, in range: ClosedRange<Int>, task: String? = nil) -> Int? {
        guard let raw = text(node, what(), task: task) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            report(SourceMark(node), task: task, "\(what()) must be an integer in \(range.lowerBound)...\(range.upperBound), got \"\(raw)\"")
            return nil
        }
        return value
    }

    mutating func boolean(_ node: YAMLNode, _ what: @autoclosure () -> String, task: String? = nil) -> Bool? {
        guard let raw = text(node, what(), task: task) else { return nil }
        switch raw {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            report(SourceMark(node), task: task, "\(what()) must be true or false, got \"\(raw)\"")
            return nil
        }
    }

    mutating func duration(_ node: YAMLNode, _ what: @autoclosure () -> String, task: String? = nil) -> Duration? {
        guard let raw = text(node, what(), task: task) else { return nil }
        guard let value = DurationText.parse(raw) else {
            report(SourceMark(node), task: task, "bad duration \"\(raw)\" for \(what()) (expected e.g. 90s, 5m, 1h30m, 250ms)")
            return nil
        }
        return value
    }

    /// A mapping of names to scalar values, e.g. `params` or `settings`.
    mutating func stringMap(_ node: YAMLNode, _ what: String, task: String? = nil) -> [String: String] {
        var result: [String: String] = [:]
        for entry in entries(of: node, in: what, task: task) ?? [] {
            guard NameRules.isIdentifier(entry.key) else {
                report(entry.keyMark, task: task, "bad name \"\(entry.key)\" in \(what) (use letters, digits, _ and -)")
                continue
            }
            if let value = text(entry.value, "\(what).\(entry.key)", task: task) {
                result[entry.key] = value
            }
        }
        return result
    }

    /// A list of scalars; a single scalar counts as a list of one.
    mutating func stringList(_ node: YAMLNode, _ what: String, task: String? = nil) -> [(String, SourceMark)]? {
        switch node {
        case .scalar(let scalar): return [(scalar.string, scalar.mark)]
        case .sequence(let sequence):
            var result: [(String, SourceMark)] = []
            result.reserveCapacity(sequence.count)
            for item in sequence.items {
                if let text = text(item, "each item of \(what)", task: task) { result.append((text, item.mark)) }
            }
            return result
        case .mapping:
            report(SourceMark(node), task: task, "\(what) must be a list, got \(shape(of: node))")
            return nil
        }
    }

    /// The template written as `raw`, parsed once per distinct text.
    /// - Throws: ``TemplateError`` when `raw` is not a valid template (errors are not remembered).
    mutating func template(_ raw: String) throws(TemplateError) -> Template {
        if let known = templates[raw] { return known }
        let parsed = try Template(parsing: raw)
        if templates.count < Self.templateCacheMax { templates[raw] = parsed }
        return parsed
    }

    /// A short human name for the node kind, for "got ..." messages.
    func shape(of node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        }
    }
}
