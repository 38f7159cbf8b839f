internal import Foundation

/// Reads workflow files (YAML or JSON) into a validated ``Workflow``.
public enum WorkflowLoader {
    /// Largest accepted workflow file.
    public static let sourceBytesMax = 64 * 1024 * 1024

    /// Reads and parses the file at `path`; problems name `path` as given.
    /// - Throws: ``WorkflowError`` with every problem found, or one naming the path when it cannot be read.
    public static func load(contentsOf path: String, registry: ConnectionRegistry? = nil) throws(WorkflowError) -> Workflow {
        try parse(try readText(at: path, what: "workflow file"), file: path, registry: registry)
    }

    /// The UTF-8 text of the file at `path`, at most `sourceBytesMax` bytes.
    /// - Throws: ``WorkflowError`` naming the path (and the first bad byte of non-UTF-8 text).
    static func readText(at path: String, what: String) throws(WorkflowError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw WorkflowError(problems: [Problem(file: path, line: 1, column: 1, message: "cannot read \(what): \(error.localizedDescription)")])
        }
        guard data.count <= sourceBytesMax else {
            throw WorkflowError(problems: [Problem(file: path, line: 1, column: 1, message: "file is \(data.count) bytes, more than the \(sourceBytesMax) accepted")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let bytes = [UInt8](data)
            let (line, column, byte) = firstInvalidUTF8(bytes) ?? (1, 1, bytes.first ?? 0)
            let hex = String(byte, radix: 16, uppercase: true)
            throw WorkflowError(problems: [Problem(file: path, line: line, column: column,
                                                   message: "file is not UTF-8 text: byte 0x\(hex.count == 1 ? "0" + hex : hex) here is not valid UTF-8")])
        }
        return text
    }

    /// Where the first byte that is not part of valid UTF-8 sits: its line and column (in
    /// characters, from 1) and the byte itself; nil when every byte is valid.
    /// - Complexity: O(bytes).
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> (line: Int, column: Int, byte: UInt8)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error:
                let lineStart = bytes[..<offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let line = 1 + bytes[..<lineStart].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                let column = 1 + String(decoding: bytes[lineStart..<offset], as: UTF8.self).count
                return (line, column, bytes[offset])
            }
        }
    }

    /// Parses and validates `text`; JSON (by `.json` extension or a leading `{`) goes through the same
    /// YAML parser, which reads JSON as a YAML subset.
    /// - Throws: ``WorkflowError`` listing every problem, each with file, line and column.
    /// - Complexity: O(size of the text + tasks + edges).
    public static func parse(_ text: String, file: String, registry: ConnectionRegistry? = nil) throws(WorkflowError) -> Workflow {
        try parse(text, file: file, external: registry.map { .registry($0) } ?? .none)
    }

    /// Parses a definition the log registered earlier: a connection it names but does not define
    /// belonged to the registry of its time, so any name is accepted here (dispatch looks it up).
    public static func parseRegistered(_ text: String, file: String) throws(WorkflowError) -> Workflow {
        try parse(text, file: file, external: .any)
    }

    static func parse(_ text: String, file: String, external: ExternalConnections) throws(WorkflowError) -> Workflow {
        var decoder = WorkflowDecoder(file: file)
        guard let root = try compose(text, file: file, decoder: &decoder) else {
            throw WorkflowError(problems: [Problem(file: file, line: 1, column: 1, message: "empty document (expected a workflow mapping)")])
        }
        return try validate(root, decoder: decoder, source: text, external: external)
    }

    /// The document's root node (nil for an empty document); JSON (by `.json` extension or a
    /// leading `{`) goes through the same YAML parser, which reads JSON as a YAML subset.
    /// - Throws: ``WorkflowError`` for text that is not YAML.
    static func compose(_ text: String, file: String, decoder: inout WorkflowDecoder) throws(WorkflowError) -> YAMLNode? {
        let isJSON = file.hasSuffix(".json") || text.drop { $0.isWhitespace }.first == "{"
        // A raw tab is invalid inside JSON strings, so outside them it is only whitespace; libyaml refuses
        // tabs as indentation, and a space keeps every column where it was.
        let yaml = isJSON ? text.replacingOccurrences(of: "\t", with: " ") : text
        switch YAMLComposer.compose(yaml) {
        case .failure(let failure):
            decoder.report(failure.mark, failure.message)
            throw WorkflowError(problems: decoder.problems)
        case .success(let node):
            return node
        }
    }

    /// Decodes and validates an already composed document root.
    static func validate(_ root: YAMLNode, decoder: WorkflowDecoder, source: String, external: ExternalConnections = .none) throws(WorkflowError) -> Workflow {
        var decoder = decoder
        let (workflow, tasks, marks) = decoder.decodeDocument(root, source: source)
        var validator = WorkflowValidator(decoder: decoder, workflow: workflow, tasks: tasks, marks: marks, external: external)
        let validated = validator.validate()
        guard validator.decoder.problems.isEmpty else {
            throw WorkflowError(problems: validator.decoder.problems)
        }
        return validated
    }
}
