/// Where a connection's bearer token comes from: a credential setting sent as it is (a personal
/// access token, a fixed token), or a token fetched and kept (OAuth, a login).
public enum BearerSource: Sendable {
    case setting(String)
    case fetched(BearerToken)

    /// The token to send now.
    /// - Throws: `PlatformError` from resolving the setting or fetching the token.
    public func token(_ connection: PlatformConnection) async throws(PlatformError) -> String {
        switch self {
        case .setting(let key):
            guard let token = try await connection.credential(key) else { throw .invalid("\(connection.label) needs \(key)") }
            return token
        case .fetched(let cache):
            return try await cache.token()
        }
    }

    /// Drops a refused fetched token; true when trying again with a new one may help.
    public func refused(_ token: String) async -> Bool {
        switch self {
        case .setting: return false
        case .fetched(let cache):
            await cache.refused(token)
            return true
        }
    }
}
