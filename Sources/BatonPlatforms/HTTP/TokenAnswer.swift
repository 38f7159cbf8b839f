/// An OAuth 2 token endpoint's answer (`access_token`, `expires_in` as a number or, from
/// Entra's v1 endpoint, a string).
public enum TokenAnswer {
    /// - Throws: `PlatformError.auth` when the answer carries no token.
    public static func issued(_ answer: HTTPAnswer, label: String) throws(PlatformError) -> BearerToken.Issued {
        guard let object = answer.object, let token = object["access_token"] as? String, !token.isEmpty else {
            throw .auth("\(label): the token endpoint answered without an access_token")
        }
        let seconds: Int64? = switch object["expires_in"] {
        case let value as Int: Int64(value)
        case let value as Double: Int64(value)
        case let value as String: Int64(value)
        default: nil
        }
        return BearerToken.Issued(token: token, lifetime: seconds.map { .seconds(max(0, $0)) })
    }
}
