internal import CYaml

/// Builds a ``YAMLNode`` tree from libyaml's event stream (the first document only).
///
/// Aliases are resolved to the anchored node; the total size after resolution is bounded by
/// ``nodesMax`` so an alias bomb is refused instead of walked.
enum YAMLComposer {
    /// Most nodes a document may expand to, aliases counted at their expanded size.
    static let nodesMax = 20_000_000

    /// Why a document could not be composed.
    struct Failure: Error {
        let message: String
        let mark: SourceMark
    }

    /// An open collection, whose finished children sit on ``Builder/pending`` from `start` on, so each
    /// collection's array is allocated once, at its exact size, when it closes.
    private struct Frame {
        let isMapping: Bool
        let start: Int
        var size = 1
        let mark: SourceMark
        let anchor: String?
    }

    /// The first document's root, or `nil` for an empty stream.
    static func compose(_ text: String) -> Result<YAMLNode?, Failure> {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(Failure(message: "cannot initialise the YAML parser", mark: .documentStart))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            guard let base = buffer.baseAddress else { return .success(nil) }
            yaml_parser_set_input_string(&parser, base, buffer.count - 1)
            var builder = Builder()
            // Every event consumes at least one byte except the stream and document bracketing.
            for _ in 0..<(buffer.count * 2 + 16) {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let mark = SourceMark(line: parser.problem_mark.line + 1, column: parser.problem_mark.column + 1)
                    let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
                    return .failure(Failure(message: "not valid YAML or JSON: \(problem)", mark: mark))
                }
                defer { yaml_event_delete(&event) }
                switch builder.consume(event) {
                case .more: continue
                case .done(let root): return .success(root)
                case .failed(let failure): return .failure(failure)
                }
            }
            return .failure(Failure(message: "YAML event stream longer than the input allows", mark: .documentStart))
        }
    }

    private enum Progress {
        case more
        case done(YAMLNode?)
        case failed(Failure)
    }

    private struct Builder {
        var stack: [Frame] = []
        /// Finished children of every open collection, innermost last; a mapping's alternate key, value.
        var pending: [YAMLNode] = []
        var anchors: [String: (node: YAMLNode, size: Int)] = [:]
        var root: YAMLNode?
        var totalSize = 0

        mutating func consume(_ event: yaml_event_t) -> Progress {
            let mark = SourceMark(line: event.start_mark.line + 1, column: event.start_mark.column + 1)
            switch event.type {
            case YAML_SCALAR_EVENT:
                let data = event.data.scalar
                let text = data.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: data.length), as: UTF8.self) } ?? ""
                return add(.scalar(YAMLScalar(string: text, mark: mark)), size: 1, anchor: Self.string(data.anchor))
            case YAML_SEQUENCE_START_EVENT:
                stack.append(Frame(isMapping: false, start: pending.count, mark: mark, anchor: Self.string(event.data.sequence_start.anchor)))
            case YAML_MAPPING_START_EVENT:
                stack.append(Frame(isMapping: true, start: pending.count, mark: mark, anchor: Self.string(event.data.mapping_start.anchor)))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                return close()
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard let target = anchors[name] else {
                    return .failed(Failure(message: "unknown alias *\(name)", mark: mark))
                }
                return add(target.node, size: target.size, anchor: nil)
            case YAML_DOCUMENT_END_EVENT:
                return .done(root)
            case YAML_STREAM_END_EVENT:
                return .done(root)
            default:
                break
            }
            return .more
        }

        private mutating func close() -> Progress {
            guard let frame = stack.popLast() else {
                return .failed(Failure(message: "unbalanced YAML collection end", mark: .documentStart))
            }
            let node: YAMLNode
            if frame.isMapping {
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                pairs.reserveCapacity((pending.count - frame.start) / 2)
                // libyaml gives every key a value (an empty scalar when none is written), so nothing is left over.
                for index in stride(from: frame.start, to: pending.count - 1, by: 2) {
                    pairs.append((pending[index], pending[index + 1]))
                }
                node = .mapping(YAMLMapping(pairs: pairs, mark: frame.mark))
            } else {
                node = .sequence(YAMLSequence(items: Array(pending[frame.start...]), mark: frame.mark))
            }
            pending.removeSubrange(frame.start...)
            return add(node, size: frame.size, anchor: frame.anchor, counted: true)
        }

        /// Attaches a finished node to its parent; `counted` nodes already added their children's size.
        private mutating func add(_ node: YAMLNode, size: Int, anchor: String?, counted: Bool = false) -> Progress {
            if !counted {
                totalSize += size
                guard totalSize <= nodesMax else {
                    return .failed(Failure(message: "document expands to more than \(nodesMax) nodes", mark: node.mark))
                }
            }
            if let anchor { anchors[anchor] = (node, size) }
            let top = stack.count - 1
            guard top >= 0 else {
                root = node
                return .more
            }
            stack[top].size += size
            pending.append(node)
            return .more
        }

        private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
            pointer.map { String(cString: $0) }
        }
    }
}
