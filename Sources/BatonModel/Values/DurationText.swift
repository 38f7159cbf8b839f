/// Parses and prints the compact span notation used in workflow files: `50ms`, `90s`, `5m`, `1h30m`, `2d`.
///
/// A span is one or more `<digits><unit>` groups with units `ms`, `s`, `m`, `h`, `d`, each unit at most
/// once and in descending order, so `1h30m` is valid and `30m1h` is not. Zero (`0s`) is allowed.
public enum DurationText {
    /// Longest accepted input; a bound so a hostile file cannot make parsing quadratic.
    public static let lengthMax = 64

    /// Largest accepted span (100 years); keeps arithmetic on `Duration` far from overflow.
    public static let secondsMax: Int64 = 100 * 366 * 86_400

    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Parses `text`, returning `nil` when it is not a valid span.
    /// - Complexity: O(n) in the length of `text`.
    public static func parse(_ text: String) -> Duration? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= lengthMax else { return nil }
        var index = 0
        var totalMilliseconds: Int64 = 0
        var lastRank = -1
        while index < bytes.count {
            let digitsStart = index
            var value: Int64 = 0
            while index < bytes.count, let digit = decimalDigit(bytes[index]) {
                guard value < 1_000_000_000_000 else { return nil }
                value = value * 10 + digit
                index += 1
            }
            guard index > digitsStart, index < bytes.count else { return nil }
            let unitStart = index
            while index < bytes.count, decimalDigit(bytes[index]) == nil { index += 1 }
            let suffix = String(decoding: bytes[unitStart..<index], as: UTF8.self)
            guard let rank = units.firstIndex(where: { $0.suffix == suffix }), rank > lastRank else { return nil }
            lastRank = rank
            let (product, overflow) = value.multipliedReportingOverflow(by: units[rank].milliseconds)
            guard !overflow else { return nil }
            totalMilliseconds += product
            guard totalMilliseconds <= secondsMax * 1_000 else { return nil }
        }
        return .milliseconds(totalMilliseconds)
    }

    /// Prints `duration` in the same notation, e.g. `1h30m`, `250ms`, `0s` (sub-millisecond parts are dropped).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var remaining = seconds * 1_000 + attoseconds / 1_000_000_000_000_000
        guard remaining > 0 else { return "0s" }
        var text = ""
        for unit in units where remaining >= unit.milliseconds {
            text += "\(remaining / unit.milliseconds)\(unit.suffix)"
            remaining %= unit.milliseconds
        }
        return text
    }

    private static func decimalDigit(_ byte: UInt8) -> Int64? {
        (48...57).contains(byte) ? Int64(byte - 48) : nil
    }
}
