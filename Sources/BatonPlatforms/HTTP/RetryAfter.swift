public import Foundation

/// The `Retry-After` header (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
public enum RetryAfter {
    /// The longest pause a platform may ask for; a longer one is clamped (a bad clock or a typo
    /// must not park a connection for days).
    public static let pauseMax = Duration.seconds(3_600)

    /// How long to wait, from `value` read at `now`; nil when `value` is neither form. A date in
    /// the past is a wait of zero.
    public static func parse(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed), seconds >= 0 { return min(.seconds(seconds), pauseMax) }
        guard let date = httpDate(trimmed) else { return nil }
        let milliseconds = max(0, Int64((date.timeIntervalSince(now) * 1000).rounded(.up)))
        return min(.milliseconds(milliseconds), pauseMax)
    }

    /// An IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), or the obsolete RFC 850 and asctime forms.
    static func httpDate(_ text: String) -> Date? {
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }

    /// The pause an answer asks for (`Retry-After`), if it says.
    public static func of(_ answer: HTTPAnswer, now: Date) -> Duration? {
        answer.headers["retry-after"].flatMap { parse($0, now: now) }
    }
}
