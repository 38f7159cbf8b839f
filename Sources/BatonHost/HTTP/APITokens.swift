import Crypto
import Foundation
public import Hummingbird

/// The API tokens of a host, read from `--token-file`: one per line, `NAME ROLE TOKEN`, where
/// ROLE is `read` (GET only) or `operator` (everything); `#` starts a comment. Only SHA-256
/// digests of the tokens are kept, and no token ever reaches a log, an event or an error: the
/// events a request causes record the token's NAME as their actor (`api:NAME`).
public struct APITokens: Sendable {
    /// What a token may do.
    public enum Role: String, Sendable {
        case read
        case `operator`
    }

    struct Entry: Sendable {
        let name: String
        let role: Role
        let digest: [UInt8]
    }

    let entries: [Entry]

    /// The shortest token accepted.
    public static let tokenLengthMin = 16

    /// Parses a token file's text.
    /// - Throws: `TokenFileError` naming the line (never its token).
    public init(text: String, file: String) throws(TokenFileError) {
        var entries: [Entry] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            guard !line.isEmpty else { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 3 else { throw .init(file: file, line: number + 1, reason: "expected NAME ROLE TOKEN") }
            guard let role = Role(rawValue: fields[1]) else { throw .init(file: file, line: number + 1, reason: "role \(fields[1]) is not read or operator") }
            guard fields[2].utf8.count >= Self.tokenLengthMin else {
                throw .init(file: file, line: number + 1, reason: "the token of \(fields[0]) is shorter than \(Self.tokenLengthMin) characters")
            }
            guard !entries.contains(where: { $0.name == fields[0] }) else { throw .init(file: file, line: number + 1, reason: "name \(fields[0]) is used twice") }
            entries.append(Entry(name: fields[0], role: role, digest: Array(SHA256.hash(data: Array(fields[2].utf8)))))
        }
        guard !entries.isEmpty else { throw .init(file: file, line: 0, reason: "no tokens in the file") }
        self.entries = entries
    }

    /// The entry whose token is `token`, comparing digests in full (no early exit on a prefix).
    func entry(for token: Substring) -> Entry? {
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: Entry?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { found = entry }
        }
        return found
    }
}

/// A token file that cannot be used, naming the file and line.
public struct TokenFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String

    /// A problem with `file` at `line` (0: the whole file).
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "token file \(file) line \(line): \(reason)" : "token file \(file): \(reason)" }
}

/// The request context of the API: who is asking (recorded as the actor of what they cause).
public struct HostRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `api` without tokens, else `api:NAME`.
    public var actor = "api"

    public init(source: Source) { coreContext = .init(source: source) }
}

/// Requires `Authorization: Bearer TOKEN` on every request when tokens are configured: 401
/// without a known token, 403 when a read token asks for anything but GET.
struct TokenMiddleware: RouterMiddleware {
    let tokens: APITokens?

    func handle(_ request: Request, context: HostRequestContext, next: (Request, HostRequestContext) async throws -> Response) async throws -> Response {
        guard let tokens else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              let entry = tokens.entry(for: header.dropFirst("Bearer ".count)) else {
            throw HTTPError(.unauthorized, message: "a known API token is required (Authorization: Bearer TOKEN)")
        }
        guard entry.role == .operator || request.method == .get || request.method == .head else {
            throw HTTPError(.forbidden, message: "token \(entry.name) may only read")
        }
        var context = context
        context.actor = "api:\(entry.name)"
        return try await next(request, context)
    }
}
