import Foundation

/// The webhooks a host may post alerts to, from `--webhooks FILE`: one per line,
/// `NAME URL [global]`; `#` starts a comment. A workflow names the webhooks it wants in its
/// `alerts:` list; a `global` webhook hears of every workflow's alerts. Addresses often carry a
/// secret (Slack's do), so only names ever reach the log, logs, API responses and errors.
public struct Webhooks: Sendable {
    public struct Hook: Sendable {
        public let name: String
        let url: URL
        public let isGlobal: Bool
    }

    /// By name.
    public let hooks: [String: Hook]

    /// No webhooks: alerts are recorded as having nowhere to go.
    public init() { hooks = [:] }

    init(_ hooks: [Hook]) { self.hooks = Dictionary(hooks.map { ($0.name, $0) }) { first, _ in first } }

    /// Reads `path`.
    /// - Throws: `WebhooksError` naming the file and line (never the address).
    public init(file path: String) throws(WebhooksError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw WebhooksError(file: path, line: 0, reason: "cannot be read") }
        try self.init(text: text, file: path)
    }

    init(text: String, file: String) throws(WebhooksError) {
        var hooks: [Hook] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard !fields.isEmpty else { continue }
            func fail(_ reason: String) -> WebhooksError { WebhooksError(file: file, line: number + 1, reason: reason) }
            guard fields.count == 2 || (fields.count == 3 && fields[2] == "global") else { throw fail("expected NAME URL [global]") }
            let name = fields[0]
            guard !name.isEmpty, name.utf8.count <= 128,
                  name.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }) else {
                // Not echoed: with the columns swapped, this field is the address.
                throw fail("bad webhook name (use A-Z, a-z, 0-9, _ and -; the line is NAME URL [global])")
            }
            guard !hooks.contains(where: { $0.name == name }) else { throw fail("webhook \(name) is named twice") }
            guard let url = URL(string: fields[1]), url.scheme == "https" || url.scheme == "http", url.host != nil else {
                throw fail("the address of webhook \(name) is not an http(s) URL")
            }
            hooks.append(Hook(name: name, url: url, isGlobal: fields.count == 3))
        }
        self.init(hooks)
    }

    /// The webhook names an alert of a workflow listing `names` goes to: those plus every global one.
    func targets(listed names: [String]) -> [String] {
        var result = names
        for name in hooks.keys.sorted() where hooks[name]?.isGlobal == true && !result.contains(name) { result.append(name) }
        return result
    }
}

/// A webhooks file that cannot be used.
public struct WebhooksError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String

    public var description: String { line > 0 ? "webhooks file \(file) line \(line): \(reason)" : "webhooks file \(file) \(reason)" }
}
