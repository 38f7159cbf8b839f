internal import Yams

/// A 1-based line and column in a workflow file.
struct SourceMark: Sendable, Equatable, Hashable {
    var line: Int
    var column: Int

    static let documentStart = SourceMark(line: 1, column: 1)

    init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    init(_ node: Node) {
        if let mark = node.mark {
            self.init(line: mark.line, column: mark.column)
        } else {
            self = .documentStart
        }
    }
}

/// One key/value pair of a YAML mapping with the key already read as text.
struct MappingEntry {
    var key: String
    var keyNode: Node
    var value: Node

    var keyMark: SourceMark { SourceMark(keyNode) }
    var valueMark: SourceMark { SourceMark(value) }
}
