/// Syntax of the names a workflow file declares (workflow, task, connection, param).
enum NameRules {
    /// Longest accepted name.
    static let lengthMax = 128

    /// Workflow names: `[a-z0-9_-]+`.
    static func isWorkflowName(_ name: String) -> Bool {
        isName(name) { ($0 >= 97 && $0 <= 122) || isDigitOrPunct($0) }
    }

    /// Task, connection and param names: `[A-Za-z0-9_-]+`, so they can sit inside `{{ tasks.<name>.output }}`.
    static func isIdentifier(_ name: String) -> Bool {
        isName(name) { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || isDigitOrPunct($0) }
    }

    private static func isDigitOrPunct(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || byte == 95 || byte == 45
    }

    private static func isName(_ name: String, allowed: (UInt8) -> Bool) -> Bool {
        !name.isEmpty && name.utf8.count <= lengthMax && name.utf8.allSatisfy(allowed)
    }
}
