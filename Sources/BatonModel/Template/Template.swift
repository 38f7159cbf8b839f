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
        let bytes = Array(text.utf8)
        // Fast path: most argv elements have no braces at all.
        guard bytes.contains(where: { $0 == Self.openBrace || $0 == Self.closeBrace }) else {
            self = Template(literal: text)
            return
        }
        var segments: [Segment] = []
        var literalStart = 0
        var index = 0
        while index < bytes.count {
            if Self.isPair(bytes, at: index, Self.closeBrace) {
                throw TemplateError(template: text, problem: "\"}}\" without a matching \"{{\"")
            }
            guard Self.isPair(bytes, at: index, Self.openBrace) else {
                index += 1
                continue
            }
            if index > literalStart {
                segments.append(.literal(String(decoding: bytes[literalStart..<index], as: UTF8.self)))
            }
            var close = index + 2
            while close < bytes.count, !Self.isPair(bytes, at: close, Self.closeBrace) { close += 1 }
            guard close < bytes.count else { throw TemplateError(template: text, problem: "unclosed \"{{\"") }
            let inner = Substring(String(decoding: bytes[(index + 2)..<close], as: UTF8.self))
            segments.append(.reference(try TemplateReference(parsing: inner, in: text)))
            index = close + 2
            literalStart = index
        }
        if literalStart < bytes.count {
            segments.append(.literal(String(decoding: bytes[literalStart...], as: UTF8.self)))
        }
        self = Template(segments: segments, source: text)
    }

    private init(segments: [Segment], source: String) {
        self.segments = segments
        self.source = source
    }

    private static let openBrace = UInt8(ascii: "{")
    private static let closeBrace = UInt8(ascii: "}")

    private static func isPair(_ bytes: [UInt8], at index: Int, _ brace: UInt8) -> Bool {
        index + 1 < bytes.count && bytes[index] == brace && bytes[index + 1] == brace
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
