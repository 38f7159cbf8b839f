/// A rolling-window rate limit written `N/T`: at most `count` dispatches in any sliding `window`.
public struct RateLimit: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Most dispatches allowed inside one window; at least 1.
    public var count: Int
    /// Length of the sliding window; more than zero.
    public var window: Duration

    /// Creates a limit; callers guarantee `count >= 1` and a positive `window`.
    public init(count: Int, window: Duration) {
        precondition(count >= 1 && window > .zero, "rate limit needs count >= 1 and a positive window, got \(count)/\(window)")
        self.count = count
        self.window = window
    }

    /// Parses `10/1m`, `5/30s`; returns `nil` for anything else (including `0/1m` and `3/0s`).
    public static func parse(_ text: String) -> RateLimit? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
              let count = Int(parts[0]), count >= 1, count <= 1_000_000_000,
              let window = DurationText.parse(String(parts[1])), window > .zero
        else { return nil }
        return RateLimit(count: count, window: window)
    }

    /// The `N/T` form, e.g. `10/1m`.
    public var description: String { "\(count)/\(DurationText.format(window))" }
}
