internal import Yams

/// Turns Yams' stop-at-first duplicate-key error into renamed keys, so every duplicate and every other
/// problem is still reported in one pass.
///
/// Yams refuses a mapping with a repeated key. For block-style (and one-key-per-line JSON) documents we
/// find the repeated key on a later line at the first key's column and append ``marker`` to it; the
/// decoder reports each marked key as a duplicate and ignores it. Lines and columns of everything else
/// stay exact because only text after the key on that one line moves.
enum DuplicateKeyScanner {
    /// Appended to a repeated key; not valid in any name, so it cannot collide with a real key.
    static let marker = "~~duplicate~~"
    /// Most duplicate keys renamed before giving up (each costs one re-parse).
    static let renamesMax = 64

    /// The outcome of composing a document.
    enum Result {
        case composed(Node?, text: String)
        case failed(message: String, mark: SourceMark)
    }

    /// Composes `text`, renaming repeated keys until Yams accepts it.
    static func compose(_ text: String) -> Result {
        var current = text
        for _ in 0..<renamesMax {
            do {
                return .composed(try Yams.compose(yaml: current, .basic), text: current)
            } catch let YamlError.duplicatedKeysInMapping(duplicates, context) {
                let first = SourceMark(line: context.mark.line, column: context.mark.column)
                guard let key = duplicates.first, let renamed = rename(key, after: first, in: current) else {
                    let names = duplicates.map { "\"\($0)\"" }.joined(separator: ", ")
                    return .failed(message: "duplicate key \(names) in one mapping", mark: first)
                }
                current = renamed
            } catch {
                return failure(error)
            }
        }
        return .failed(message: "more than \(renamesMax) duplicate keys", mark: .documentStart)
    }

    private static func failure(_ error: any Error) -> Result {
        let mark: Mark?
        let problem: String
        switch error as? YamlError {
        case .scanner(_, let text, let at, _), .parser(_, let text, let at, _), .composer(_, let text, let at, _):
            mark = at
            problem = text
        default:
            mark = nil
            problem = "\(error)"
        }
        let where_ = mark.map { SourceMark(line: $0.line, column: $0.column) } ?? .documentStart
        return .failed(message: "not valid YAML or JSON: \(problem)", mark: where_)
    }

    /// The text with the second occurrence of `key` (same column, later line) marked, or `nil`.
    private static func rename(_ key: String, after first: SourceMark, in text: String) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        for index in first.line..<lines.count {
            let scalars = Array(lines[index].unicodeScalars)
            let start = first.column - 1
            guard start >= 0, start < scalars.count else { continue }
            let prefix = scalars[..<start]
            guard prefix.allSatisfy({ $0 == " " || $0 == "-" || $0 == "\t" }) else { continue }
            let rest = String(String.UnicodeScalarView(scalars[start...]))
            for form in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(form) {
                let after = rest.dropFirst(form.count).drop { $0 == " " }
                guard after.hasPrefix(":") else { continue }
                let quote = form.first == "\"" || form.first == "'" ? String(form.prefix(1)) : ""
                let body = quote.isEmpty ? key + marker : quote + key + marker + quote
                lines[index] = String(String.UnicodeScalarView(prefix)) + body + rest.dropFirst(form.count)
                return lines.joined(separator: "\n")
            }
        }
        return nil
    }
}
