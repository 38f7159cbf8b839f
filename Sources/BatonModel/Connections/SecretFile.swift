/// Reads a secrets file: a YAML or JSON mapping of secret names to values.
///
/// Messages name the file, the line and the secret's name, never a value.
public enum SecretFile {
    /// The secrets in the file at `path`, after the mode check of ``SecretFileCheck``.
    /// - Throws: ``WorkflowError`` naming the file (and line) of what is wrong.
    public static func read(_ path: String) throws(WorkflowError) -> [String: String] {
        if let problem = SecretFileCheck.problem(path) {
            throw WorkflowError(problems: [Problem(file: path, line: 1, column: 1, message: problem)])
        }
        let text = try WorkflowLoader.readText(at: path, what: "secrets file")
        var decoder = WorkflowDecoder(file: path)
        guard let root = try WorkflowLoader.compose(text, file: path, decoder: &decoder) else { return [:] }
        guard case .mapping(let mapping) = root else {
            throw WorkflowError(problems: [Problem(file: path, line: root.mark.line, column: root.mark.column,
                                                   message: "a secrets file must be a mapping of names to values")])
        }
        var values: [String: String] = [:]
        var problems: [Problem] = []
        for (key, value) in mapping.pairs {
            guard let name = key.scalar?.string, NameRules.isIdentifier(name) else {
                problems.append(Problem(file: path, line: key.mark.line, column: key.mark.column, message: "a secret name must be letters, digits, _ and -"))
                continue
            }
            guard let scalar = value.scalar else {
                problems.append(Problem(file: path, line: value.mark.line, column: value.mark.column, message: "secret \(name) must be a single value"))
                continue
            }
            values[name] = scalar.string
        }
        guard problems.isEmpty else { throw WorkflowError(problems: problems) }
        return values
    }
}
