public import Foundation

/// An Entra ID access token by client credentials (`POST <login_url>/<tenant>/oauth2/v2.0/token`,
/// form `grant_type=client_credentials`, `client_id`, `client_secret`, `scope`), kept until shortly
/// before `expires_in` (60 to 90 minutes, randomised by Entra: never assumed to be an hour).
public enum EntraToken {
    /// A cache of such tokens for `scope` (e.g. `https://management.azure.com/.default`).
    public static func cache(_ connection: PlatformConnection, login: URL, tenant: String, clientID: String, scope: String,
                             http: HTTPClient) -> BearerToken {
        BearerToken(clock: connection.clock) { () async throws(PlatformError) -> BearerToken.Issued in
            guard let secret = try await connection.credential("client_secret") else { throw .invalid("\(connection.label) needs client_secret") }
            var form = URLComponents()
            form.queryItems = [URLQueryItem(name: "grant_type", value: "client_credentials"), URLQueryItem(name: "client_id", value: clientID),
                               URLQueryItem(name: "client_secret", value: secret), URLQueryItem(name: "scope", value: scope)]
            let body = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            let answer = try await http.send("POST", login.adding(path: "\(tenant)/oauth2/v2.0/token"),
                                             headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(body.utf8))
            guard answer.isSuccess else {
                if (400...401).contains(answer.status) {
                    let code = (answer.object?["error"] as? String).map { " (\($0))" } ?? ""
                    throw .auth("\(connection.label): Entra ID refused client \(clientID) of tenant \(tenant)\(code)")
                }
                throw HTTPFailure.classify(answer, label: connection.label, what: "an Entra ID token request", detail: "", now: connection.now)
            }
            return try TokenAnswer.issued(answer, label: connection.label)
        }
    }
}
