import Foundation

/// The bearer token a Databricks connection sends: its personal access token as it is, or an
/// OAuth M2M token of its service principal (`POST /oidc/v1/token`, HTTP Basic
/// `client_id:client_secret`, `grant_type=client_credentials&scope=all-apis`), kept until
/// shortly before `expires_in` and fetched again when refused.
enum DatabricksAuth {
    /// - Throws: `PlatformError.invalid` when the connection sets neither form of credentials.
    static func source(_ connection: PlatformConnection, workspace: URL, http: HTTPClient) throws(PlatformError) -> BearerSource {
        if connection.setting("token") != nil { return .setting("token") }
        guard connection.setting("client_id") != nil, connection.setting("client_secret") != nil else {
            throw .invalid("\(connection.label) needs token, or client_id and client_secret")
        }
        let endpoint = workspace.adding(path: "oidc/v1/token")
        return .fetched(BearerToken(clock: connection.clock) { () async throws(PlatformError) -> BearerToken.Issued in
            try await fetch(connection, endpoint, http)
        })
    }

    private static func fetch(_ connection: PlatformConnection, _ endpoint: URL, _ http: HTTPClient) async throws(PlatformError) -> BearerToken.Issued {
        guard let id = connection.setting("client_id"), let secret = try await connection.credential("client_secret") else {
            throw .invalid("\(connection.label) needs client_id and client_secret")
        }
        let basic = Data("\(id):\(secret)".utf8).base64EncodedString()
        let answer = try await http.send("POST", endpoint, headers: ["Authorization": "Basic \(basic)", "Content-Type": "application/x-www-form-urlencoded"],
                                         body: Data("grant_type=client_credentials&scope=all-apis".utf8))
        guard answer.isSuccess else {
            if answer.status == 400 || answer.status == 401 { throw .auth("\(connection.label): the OAuth token endpoint refused client \(id) (HTTP \(answer.status))") }
            throw HTTPFailure.classify(answer, label: connection.label, what: "an OAuth token request", detail: "", now: connection.now)
        }
        return try TokenAnswer.issued(answer, label: connection.label)
    }
}
