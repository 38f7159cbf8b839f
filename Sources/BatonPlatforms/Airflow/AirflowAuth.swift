import Foundation

/// The bearer token an Airflow connection sends: a fixed `token`, or a JWT from `POST
/// /auth/token` with `username` and `password` (Airflow issues no refresh token and states no
/// lifetime in the answer: the JWT is kept until Airflow refuses it, then fetched again).
struct AirflowAuth: Sendable {
    private enum Source {
        case fixed
        case login(BearerToken)
    }

    private let source: Source
    private let connection: PlatformConnection

    /// - Throws: `PlatformError.invalid` when the connection sets neither form of credentials.
    init(_ connection: PlatformConnection, base: URL, http: HTTPClient) throws(PlatformError) {
        self.connection = connection
        if connection.setting("token") != nil {
            source = .fixed
        } else if let username = connection.setting("username"), connection.setting("password") != nil {
            let endpoint = base.adding(path: "auth/token")
            source = .login(BearerToken(clock: connection.clock) { () async throws(PlatformError) -> BearerToken.Issued in
                guard let password = try await connection.credential("password") else { throw .invalid("\(connection.label) needs password") }
                let answer = try await http.sendJSON("POST", endpoint, json: ["username": username, "password": password])
                guard answer.isSuccess else {
                    if answer.status == 401 || answer.status == 400 { throw .auth("\(connection.label): Airflow refused the login of \(username) (HTTP \(answer.status))") }
                    throw HTTPFailure.classify(answer, label: connection.label, what: "a login", detail: "", now: connection.now)
                }
                return try TokenAnswer.issued(answer, label: connection.label)
            })
        } else {
            throw .invalid("\(connection.label) needs username and password, or token")
        }
    }

    func token() async throws(PlatformError) -> String {
        switch source {
        case .fixed:
            guard let token = try await connection.credential("token") else { throw .invalid("\(connection.label) needs token") }
            return token
        case .login(let cache):
            return try await cache.token()
        }
    }

    /// Drops a refused JWT; true when logging in again may help.
    func refused(_ token: String) async -> Bool {
        switch source {
        case .fixed: return false
        case .login(let cache):
            await cache.refused(token)
            return true
        }
    }
}
