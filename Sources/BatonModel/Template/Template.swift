/// A string with `{{ ... }}` placeholders, parsed when the workflow is validated and rendered at dispatch.
///
/// Placeholders name a ``TemplateReference``; everything else is literal text. `{{{{` is not special:
/// a literal `{{` cannot be written (no workflow has needed one yet), which keeps the grammar tiny.
public struct Template: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// One run of literal text or one placeholder.
    public enum Segment: Sendable, Equatable, Hashable {
        /// Text copied as is.
        case literal(String)
        /// A placeholder replaced by a value at render time.
        case reference(TemplateReference)
    }

    /// The parts in source order; adjacent literals are merged.
    public let segments: [Segment]

    /// The text as written in the workflow file.
    public let source: String

    /// Longest accepted template text.
    public static let lengthMax = 16_384

    /// Parses `text`.
    /// - Throws: ``TemplateError`` naming the text and what is wrong with it.
    /// - Complexity: O(n) in the length of `text`.
    public init(parsing text: String) throws(TemplateError) {
        guard text.utf8.count <= Self.lengthMax else {
            throw TemplateError(template: String(text.prefix(40)) + "…", problem: "longer than \(Self.lengthMax) bytes")
        }
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                segments.append(.literal(String(rest[..<open.lowerBound])))
            }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw TemplateError(template: text, problem: "unclosed \"{{\"")
            }
            let inner = rest[open.upperBound..<close.lowerBound]
            segments.append(.reference(try TemplateReference(parsing: inner, in: text)))
            rest = rest[close.upperBound...]
        }
        if rest.contains("}}") {
            throw TemplateError(template: text, problem: "\"}}\" without a matching \"{{\"")
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        self.segments = segments
        self.source = text
    }

    /// A template of plain text with no placeholders.
    public init(literal text: String) {
        self.segments = text.isEmpty ? [] : [.literal(text)]
        self.source = text
    }

    /// Every placeholder, in order.
    public var references: [TemplateReference] {
        segments.compactMap { segment in
            if case .reference(let reference) = segment { return reference }
            return nil
        }
    }

    public var description: String { source }
}
