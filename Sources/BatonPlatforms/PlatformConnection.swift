public import Foundation

/// What a platform adapter is made from: one connection's name and settings, a way to read its
/// credentials when they are needed, and where to report what an operator should see.
///
/// Credential settings hold references (`{{ secrets.NAME }}`, `{{ env.NAME }}`); `credential`
/// resolves one at call time, so a rotated secret is used from the next token fetch, and the
/// engine's redactor learns every value it hands out.
public struct PlatformConnection: Sendable {
    public let name: String
    public let platform: String
    public let settings: [String: String]
    public let clock: any SimClock
    private let resolve: @Sendable (String) async throws(PlatformError) -> String
    /// Reports something an operator should know (an unknown platform state, a paused DAG); once
    /// per distinct text is the adapter's job.
    public let notice: @Sendable (String) -> Void

    public init(name: String, platform: String, settings: [String: String], clock: any SimClock,
                notice: @escaping @Sendable (String) -> Void = { _ in },
                resolve: @escaping @Sendable (String) async throws(PlatformError) -> String) {
        self.name = name
        self.platform = platform
        self.settings = settings
        self.clock = clock
        self.notice = notice
        self.resolve = resolve
    }

    /// How messages name this connection, e.g. `databricks connection dbx`.
    public var label: String { "\(platform) connection \(name)" }

    /// A plain setting (an address, a factory name), or nil.
    public func setting(_ key: String) -> String? {
        guard let value = settings[key], !value.isEmpty else { return nil }
        return value
    }

    /// A setting that must be an http(s) address.
    /// - Throws: `PlatformError.invalid` naming the setting.
    public func url(_ key: String, default fallback: String? = nil) throws(PlatformError) -> URL {
        guard let text = setting(key) ?? fallback else { throw .invalid("\(label) needs the setting \(key)") }
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw .invalid("\(label) setting \(key) is not an http(s) address")
        }
        return url
    }

    /// A setting that must be present.
    /// - Throws: `PlatformError.invalid` naming the setting.
    public func required(_ key: String) throws(PlatformError) -> String {
        guard let value = setting(key) else { throw .invalid("\(label) needs the setting \(key)") }
        return value
    }

    /// A credential setting's value, resolved now; nil when the connection does not set it.
    /// - Throws: `PlatformError.auth` naming the secret or variable that is missing (never a value).
    public func credential(_ key: String) async throws(PlatformError) -> String? {
        guard let reference = setting(key) else { return nil }
        return try await resolve(reference)
    }

    /// Now, as a `Date`, for HTTP dates.
    public var now: Date { Date(timeIntervalSince1970: Double(clock.nowMicros()) / 1e6) }
}
