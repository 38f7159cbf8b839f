import Crypto
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// HashiCorp Vault, KV version 2: `GET <url>/v1/<mount>/data/<path>` with `X-Vault-Token`; the
/// secret's keys are the names. With `role_id` + `secret_id` instead of a token, it logs in
/// (`POST /v1/auth/approle/login`) and logs in again once when the token is refused (expired).
public final class VaultStore: SecretStore {
    public enum Credentials: Sendable {
        case token(String)
        case appRole(roleID: String, secretID: String)
    }

    public let label: String
    private let base: URL
    private let mount: String
    private let path: String
    private let credentials: Credentials
    private let http = SecretHTTP(timeout: 30)
    private let token = Mutex<String?>(nil)

    public init(url: URL, mount: String, path: String, credentials: Credentials) {
        self.base = url
        self.mount = mount
        self.path = path
        self.credentials = credentials
        self.label = "vault \(url.absoluteString) \(mount)/\(path)"
        if case .token(let value) = credentials { token.withLock { $0 = value } }
    }

    public func value(of name: String) async throws(SecretStoreError) -> String? {
        var answer = try await read()
        if answer.status == 403, case .appRole = credentials {
            token.withLock { $0 = nil }
            answer = try await read()
        }
        switch answer.status {
        case 200:
            guard let data = (answer.json?["data"] as? [String: Any])?["data"] as? [String: Any] else {
                throw SecretStoreError(.invalid, "\(label) answered without data.data")
            }
            return data[name].map { ($0 as? String) ?? "\($0)" }
        case 404:
            return nil
        default:
            throw SecretHTTP.failure(answer, label, "\(mount)/\(path)")
        }
    }

    private func read() async throws(SecretStoreError) -> SecretHTTP.Answer {
        let current = try await currentToken()
        let url = base.appending(path: "v1/\(mount)/data/\(path)")
        return try await http.send("GET", url, headers: ["X-Vault-Token": current], store: label)
    }

    private func currentToken() async throws(SecretStoreError) -> String {
        if let current = token.withLock({ $0 }) { return current }
        guard case .appRole(let roleID, let secretID) = credentials else { return "" }
        let body = try? JSONSerialization.data(withJSONObject: ["role_id": roleID, "secret_id": secretID])
        let answer = try await http.send("POST", base.appending(path: "v1/auth/approle/login"), headers: ["Content-Type": "application/json"],
                                         body: body, store: label)
        guard answer.status == 200 else { throw SecretHTTP.failure(answer, label, "an AppRole login") }
        guard let fresh = (answer.json?["auth"] as? [String: Any])?["client_token"] as? String else {
            throw SecretStoreError(.invalid, "\(label) answered an AppRole login without auth.client_token")
        }
        token.withLock { $0 = fresh }
        return fresh
    }
}

/// Azure Key Vault: an Entra ID token by client credentials (`POST <login_url>/<tenant>/oauth2/v2.0/token`,
/// scope `https://vault.azure.net/.default`), then `GET <vault_url>/secrets/<name>?api-version=7.4`.
/// Key Vault names take letters, digits and `-`, so `_` in a Baton secret name becomes `-`.
/// The token is kept until a minute before it expires, and fetched again once when refused.
public final class AzureKeyVaultStore: SecretStore {
    public let label: String
    private let vault: URL
    private let login: URL
    private let tenant: String
    private let clientID: String
    private let clientSecret: String
    private let http = SecretHTTP(timeout: 30)
    private let token = Mutex<(value: String, expires: Date)?>(nil)

    public init(vaultURL: URL, loginURL: URL, tenant: String, clientID: String, clientSecret: String) {
        self.vault = vaultURL
        self.login = loginURL
        self.tenant = tenant
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.label = "azure \(vaultURL.absoluteString)"
    }

    /// The Key Vault spelling of a secret name.
    public static func vaultName(_ name: String) -> String { name.replacingOccurrences(of: "_", with: "-") }

    public func value(of name: String) async throws(SecretStoreError) -> String? {
        var answer = try await read(name)
        if answer.status == 401 {
            token.withLock { $0 = nil }
            answer = try await read(name)
        }
        switch answer.status {
        case 200:
            guard let value = answer.json?["value"] as? String else { throw SecretStoreError(.invalid, "\(label) answered without a value") }
            return value
        case 404:
            return nil
        default:
            throw SecretHTTP.failure(answer, label, "secret \(Self.vaultName(name))")
        }
    }

    private func read(_ name: String) async throws(SecretStoreError) -> SecretHTTP.Answer {
        let bearer = try await currentToken()
        var components = URLComponents(url: vault.appending(path: "secrets/\(Self.vaultName(name))"), resolvingAgainstBaseURL: false)
        components?.queryItems = [URLQueryItem(name: "api-version", value: "7.4")]
        guard let url = components?.url else { throw SecretStoreError(.invalid, "\(label): bad secret name \(name)") }
        return try await http.send("GET", url, headers: ["Authorization": "Bearer \(bearer)"], store: label)
    }

    private func currentToken() async throws(SecretStoreError) -> String {
        if let current = token.withLock({ $0 }), current.expires > Date() { return current.value }
        var form = URLComponents()
        form.queryItems = [URLQueryItem(name: "grant_type", value: "client_credentials"), URLQueryItem(name: "client_id", value: clientID),
                           URLQueryItem(name: "client_secret", value: clientSecret), URLQueryItem(name: "scope", value: "https://vault.azure.net/.default")]
        let body = Data((form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B").utf8)
        let answer = try await http.send("POST", login.appending(path: "\(tenant)/oauth2/v2.0/token"),
                                         headers: ["Content-Type": "application/x-www-form-urlencoded"], body: body, store: label)
        guard answer.status == 200 else {
            // Entra answers a refused client secret with 400/401 (invalid_client).
            throw SecretStoreError(answer.status == 400 || answer.status == 401 ? .auth : SecretHTTP.failure(answer, label, "").kind,
                                   "\(label): Entra ID refused the client credentials of \(clientID) (HTTP \(answer.status))")
        }
        guard let value = answer.json?["access_token"] as? String else { throw SecretStoreError(.invalid, "\(label): token answer without access_token") }
        let lifetime = (answer.json?["expires_in"] as? Double) ?? Double((answer.json?["expires_in"] as? String) ?? "") ?? 3_600
        token.withLock { $0 = (value, Date().addingTimeInterval(max(0, lifetime - 60))) }
        return value
    }
}

/// AWS Secrets Manager `GetSecretValue` (JSON 1.1 protocol, SigV4 signed). The secret's
/// `SecretString` is a JSON object whose keys are the names (the console's key/value form).
public final class AWSSecretsManagerStore: SecretStore {
    public let label: String
    private let endpoint: URL
    private let region: String
    private let secretID: String
    private let signer: SigV4
    private let http = SecretHTTP(timeout: 30)

    public init(region: String, secretID: String, endpoint: URL?, accessKeyID: String, secretAccessKey: String, sessionToken: String?) {
        let url = endpoint ?? URL(string: "https://secretsmanager.\(region).amazonaws.com")!
        self.endpoint = url
        self.region = region
        self.secretID = secretID
        self.signer = SigV4(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, sessionToken: sessionToken, region: region, service: "secretsmanager")
        self.label = "aws \(url.absoluteString) \(secretID)"
    }

    public func value(of name: String) async throws(SecretStoreError) -> String? {
        let body = (try? JSONSerialization.data(withJSONObject: ["SecretId": secretID])) ?? Data()
        var headers = ["Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"]
        headers.merge(signer.sign(method: "POST", url: endpoint, headers: headers, body: body, date: Date())) { $1 }
        let answer = try await http.send("POST", endpoint, headers: headers, body: body, store: label)
        if answer.status == 200 {
            guard let text = answer.json?["SecretString"] as? String,
                  let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw SecretStoreError(.invalid, "\(label): SecretString is not a JSON object of names to values")
            }
            return object[name].map { ($0 as? String) ?? "\($0)" }
        }
        let type = (answer.json?["__type"] as? String).map { $0.split(separator: "#").last.map(String.init) ?? $0 } ?? ""
        switch type {
        case "ResourceNotFoundException": return nil
        case "UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException", "ExpiredTokenException":
            throw SecretStoreError(.auth, "\(label) refused the credentials (\(type))")
        default:
            throw SecretHTTP.failure(answer, label, "\(secretID)\(type.isEmpty ? "" : " (\(type))")")
        }
    }
}

/// AWS Signature Version 4 for one request: the documented canonical request, string to sign
/// and derived key (`AWS4` + secret → date → region → service → `aws4_request`).
struct SigV4: Sendable {
    let accessKeyID: String
    let secretAccessKey: String
    let sessionToken: String?
    let region: String
    let service: String

    /// The headers to add: `X-Amz-Date`, `Host`, the session token, and `Authorization`.
    func sign(method: String, url: URL, headers: [String: String], body: Data, date: Date) -> [String: String] {
        let stamp = Self.stamp(date)
        let day = String(stamp.prefix(8))
        var all = headers
        all["X-Amz-Date"] = stamp
        all["Host"] = url.port.map { "\(url.host ?? ""):\($0)" } ?? (url.host ?? "")
        if let sessionToken { all["X-Amz-Security-Token"] = sessionToken }
        let canonical = all.map { ($0.key.lowercased(), $0.value.trimmingCharacters(in: .whitespaces)) }.sorted { $0.0 < $1.0 }
        let signed = canonical.map(\.0).joined(separator: ";")
        let path = url.path.isEmpty ? "/" : url.path
        let request = [method, path, url.query ?? "", canonical.map { "\($0.0):\($0.1)\n" }.joined(), signed, Self.hex(SHA256.hash(data: body))]
            .joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = "AWS4-HMAC-SHA256\n\(stamp)\n\(scope)\n\(Self.hex(SHA256.hash(data: Data(request.utf8))))"
        let signature = Self.signature(secret: secretAccessKey, day: day, region: region, service: service, stringToSign: toSign)
        all["Authorization"] = "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope), SignedHeaders=\(signed), Signature=\(signature)"
        return all.filter { headers[$0.key] == nil }
    }

    static func signature(secret: String, day: String, region: String, service: String, stringToSign: String) -> String {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key)))
        }
        var key = SymmetricKey(data: Data("AWS4\(secret)".utf8))
        for part in [day, region, service, "aws4_request"] { key = hmac(key, part) }
        return hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
