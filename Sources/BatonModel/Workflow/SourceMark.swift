/// A 1-based line and column in a workflow file.
struct SourceMark: Sendable, Equatable, Hashable {
    var line: Int
    var column: Int

    static let documentStart = SourceMark(line: 1, column: 1)

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ node: YAMLNode) {
        self = node.mark
    }
}

/// One key/value pair of a YAML mapping with the key already read as text.
struct MappingEntry {
    var key: String
    var keyNode: YAMLNode
    var value: YAMLNode

    var keyMark: SourceMark { SourceMark(keyNode) }
    var valueMark: SourceMark { SourceMark(value) }
}
