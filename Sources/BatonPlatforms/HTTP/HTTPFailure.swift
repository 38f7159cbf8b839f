public import Foundation

/// How an HTTP answer that is not a success becomes a `PlatformError`, the same way for every
/// adapter (each may look at the body first for its own codes):
/// 429, and 503 with `Retry-After`, throttle the connection; other 5xx and 408 are transient;
/// 401/403 are `auth`; 404 is `notFound`; other 4xx are `invalid`.
public enum HTTPFailure {
    /// The error for `answer` to `what` (e.g. "run-now for job 42"); `detail` is the platform's own
    /// error text, already picked out of the body.
    public static func classify(_ answer: HTTPAnswer, label: String, what: String, detail: String? = nil, now: Date) -> PlatformError {
        let message = "\(label) answered HTTP \(answer.status) to \(what)\(detail.map { ": \($0)" } ?? (answer.body.isEmpty ? "" : ": \(answer.text())"))"
        switch answer.status {
        case 429:
            return .throttled(retryAfter: RetryAfter.of(answer, now: now), message: message)
        case 503 where answer.headers["retry-after"] != nil:
            return .throttled(retryAfter: RetryAfter.of(answer, now: now), message: message)
        case 408, 500...599:
            return .transient(message)
        case 401, 403:
            return .auth(message)
        case 404:
            return .notFound(message)
        default:
            return .invalid(message)
        }
    }
}
