import Foundation

/// The `from`/`to` of a backfill: ISO 8601 times, or dates (UTC) meaning the whole day.
public enum BackfillRange {
    /// µs of `from` (a date is its midnight, UTC) and of `to` (a date is its last µs, UTC).
    /// - Returns: nil when either is neither a date nor a time.
    public static func parse(from: String, to: String) -> (from: Int64, to: Int64)? {
        guard let start = micros(from, endOfDay: false), let end = micros(to, endOfDay: true) else { return nil }
        return (start, end)
    }

    static func micros(_ text: String, endOfDay: Bool) -> Int64? {
        if let date = try? Date(text, strategy: .iso8601) { return Int64(date.timeIntervalSince1970 * 1_000_000) }
        let day = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        guard let date = try? Date(text, strategy: day) else { return nil }
        let midnight = Int64(date.timeIntervalSince1970 * 1_000_000)
        return endOfDay ? midnight + 86_400_000_000 - 1 : midnight
    }
}
