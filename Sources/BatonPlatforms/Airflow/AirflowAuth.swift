import Foundation

/// The bearer token an Airflow connection sends: a fixed `token`, or a JWT from `POST
/// /auth/token` with `username` and `password` (Airflow issues no refresh token and states no
/// lifetime in the answer: the JWT is kept until Airflow refuses it, then fetched again).
enum AirflowAuth {
    /// - Throws: `PlatformError.invalid` when the connection sets neither form of credentials.
    static func source(_ connection: PlatformConnection, base: URL, http: HTTPClient) throws(PlatformError) -> BearerSource {
        if connection.setting("token") != nil { return .setting("token") }
        guard let username = connection.setting("username"), connection.setting("password") != nil else {
            throw .invalid("\(connection.label) needs username and password, or token")
        }
        let endpoint = base.adding(path: "auth/token")
        return .fetched(BearerToken(clock: connection.clock) { () async throws(PlatformError) -> BearerToken.Issued in
            guard let password = try await connection.credential("password") else { throw .invalid("\(connection.label) needs password") }
            let answer = try await http.sendJSON("POST", endpoint, json: ["username": username, "password": password])
            guard answer.isSuccess else {
                if answer.status == 401 || answer.status == 400 { throw .auth("\(connection.label): Airflow refused the login of \(username) (HTTP \(answer.status))") }
                throw HTTPFailure.classify(answer, label: connection.label, what: "a login", detail: "", now: connection.now)
            }
            return try TokenAnswer.issued(answer, label: connection.label)
        })
    }
}
