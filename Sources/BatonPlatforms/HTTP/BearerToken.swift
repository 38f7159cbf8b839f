/// A bearer token fetched when first needed, kept until shortly before it expires, and fetched
/// again after the platform refused it (401): Entra client credentials, Databricks OAuth M2M,
/// Airflow's JWT. The token never leaves this value except into an `Authorization` header.
public actor BearerToken {
    /// A token and how long the issuer said it lives (nil: until refused).
    public struct Issued: Sendable {
        public let token: String
        public let lifetime: Duration?

        public init(token: String, lifetime: Duration?) {
            self.token = token
            self.lifetime = lifetime
        }
    }

    /// How long before its stated expiry a token is replaced (clock skew, a slow request).
    public static let renewBefore = Duration.seconds(60)

    private let fetch: @Sendable () async throws(PlatformError) -> Issued
    private let clock: any SimClock
    private var current: (token: String, expiresMicros: Int64?)?
    /// How many tokens were fetched (tests and `connections check` report it).
    public private(set) var fetches = 0

    public init(clock: any SimClock, fetch: @escaping @Sendable () async throws(PlatformError) -> Issued) {
        self.clock = clock
        self.fetch = fetch
    }

    /// The token to send now: the kept one while it is fresh, else a new one.
    /// - Throws: the fetch's `PlatformError` (refused credentials are `auth`).
    public func token() async throws(PlatformError) -> String {
        if let current, current.expiresMicros.map({ clock.nowMicros() < $0 }) ?? true { return current.token }
        let issued = try await fetch()
        fetches += 1
        let renew = BearerToken.renewBefore
        let expires = issued.lifetime.map { lifetime in
            // A token that lives less than twice the margin is kept for half its life.
            let keep = lifetime > renew * 2 ? lifetime - renew : lifetime / 2
            return clock.nowMicros() + keep.components.seconds * 1_000_000 + keep.components.attoseconds / 1_000_000_000_000
        }
        current = (issued.token, expires)
        return issued.token
    }

    /// Forgets `token` after the platform refused it, so the next `token()` fetches a new one
    /// (a token already replaced by another caller is left alone).
    public func refused(_ token: String) {
        if current?.token == token { current = nil }
    }
}
