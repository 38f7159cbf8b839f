/// One thing wrong with a workflow file, located by file, line and column (1-based, from the YAML marks).
public struct Problem: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The file name as given to the loader.
    public var file: String
    /// 1-based line; 1 when the problem concerns the whole document.
    public var line: Int
    /// 1-based column (in Unicode scalars).
    public var column: Int
    /// The task the problem is in, if any.
    public var task: String?
    /// The upstream name of the edge the problem is on, if any.
    public var edge: String?
    /// What is wrong, naming the offending value.
    public var message: String

    public init(file: String, line: Int, column: Int, task: String? = nil, edge: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.task = task
        self.edge = edge
        self.message = message
    }

    /// `daily.yaml:12:5: task load_raw: after extract_order: unknown upstream "extract_order"`.
    public var description: String {
        var text = "\(file):\(line):\(column): "
        if let task { text += "task \(task): " }
        if let edge { text += "after \(edge): " }
        return text + message
    }
}

/// Why a workflow was refused: every problem found in one pass, in file order.
public struct WorkflowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, sorted by file, line and column; never empty.
    public let problems: [Problem]

    public init(problems: [Problem]) {
        precondition(!problems.isEmpty, "WorkflowError needs at least one problem")
        self.problems = problems.sorted { ($0.file, $0.line, $0.column) < ($1.file, $1.line, $1.column) }
    }

    /// One problem per line.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
