public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One answer of an HTTP API: status, headers (names lowercased) and body.
public struct HTTPAnswer: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as a JSON object, or nil when it is not one.
    public var object: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }

    /// The body as text, at most `limit` characters (for error messages).
    public func text(limit: Int = 300) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        return text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Sends requests to a platform's HTTP API with a timeout; a request that gets no answer
/// (refused, reset, timed out) throws `PlatformError.transient` naming the host, never a header.
public struct HTTPClient: Sendable {
    /// How long one request may take before it counts as unanswered.
    public let timeout: Duration
    /// The name used in messages, e.g. `databricks dbx`.
    public let label: String

    public init(label: String, timeout: Duration = .seconds(30)) {
        self.label = label
        self.timeout = timeout
    }

    /// Sends `method url` with `headers` and `body`.
    /// - Throws: `PlatformError.transient` when no answer came.
    public func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws(PlatformError) -> HTTPAnswer {
        var request = URLRequest(url: url, timeoutInterval: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        request.httpMethod = method
        request.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        do {
            let (data, response): (Data, URLResponse)
            if method == "GET" {
                (data, response) = try await URLSession.shared.data(for: request)
            } else {
                // A request that changes something goes out on a connection of its own: on a pooled
                // connection that dies before the answer, the transport sends it again by itself
                // (seen on Linux with the body lost), which for a non-idempotent createRun starts a
                // second run Baton never hears of.
                let session = URLSession(configuration: .ephemeral)
                defer { session.finishTasksAndInvalidate() }
                (data, response) = try await session.data(for: request)
            }
            guard let http = response as? HTTPURLResponse else { throw PlatformError.transient("\(label): not an HTTP answer from \(Self.origin(url))") }
            var fields: [String: String] = [:]
            for (name, value) in http.allHeaderFields {
                if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
            }
            return HTTPAnswer(status: http.statusCode, headers: fields, body: data)
        } catch let error as PlatformError {
            throw error
        } catch {
            throw .transient("\(label): no answer from \(Self.origin(url)) (\(error.localizedDescription))")
        }
    }

    /// Sends a JSON object and expects one back.
    /// - Throws: `PlatformError.transient` when no answer came.
    public func sendJSON(_ method: String, _ url: URL, headers: [String: String] = [:], json: [String: Any]? = nil) async throws(PlatformError) -> HTTPAnswer {
        var all = headers
        all["Accept"] = all["Accept"] ?? "application/json"
        var body: Data?
        if let json {
            all["Content-Type"] = "application/json"
            body = try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
        }
        return try await send(method, url, headers: all, body: body)
    }

    /// Who is asking: platforms log it, and the loopback fakes tell processes apart by it.
    static let userAgent = "baton (pid \(ProcessInfo.processInfo.processIdentifier))"

    /// `scheme://host:port` of an address: what messages may name (never a path with a token in it).
    public static func origin(_ url: URL) -> String {
        "\(url.scheme ?? "http")://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")"
    }
}

extension URL {
    /// This address with `path` appended and `query` items added.
    public func adding(path: String, query: [(String, String)] = []) -> URL {
        var text = absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path.hasPrefix("/") ? path : "/" + path
        guard !query.isEmpty, var components = URLComponents(string: text) else { return URL(string: text) ?? self }
        components.queryItems = (components.queryItems ?? []) + query.map { URLQueryItem(name: $0.0, value: $0.1) }
        // `+` is a space to many servers' form decoders: spell it out.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        return components.url ?? self
    }
}
