/// The values one of the five cron fields allows, kept as a bit set over the field's range.
///
/// Parsing follows Vixie cron: `*`, `a`, `a-b`, `*/n`, `a-b/n`, `a/n` (a through the field's
/// maximum), comma lists of those, and three-letter month and weekday names in any case.
struct CronField: Sendable, Equatable {
    /// Which of the five positions a field occupies; fixes its range, names and error label.
    enum Kind: Sendable, Equatable, CaseIterable {
        case minute, hour, dayOfMonth, month, dayOfWeek

        /// The label errors use for this field.
        var label: String {
            switch self {
            case .minute: "minute"
            case .hour: "hour"
            case .dayOfMonth: "day-of-month"
            case .month: "month"
            case .dayOfWeek: "day-of-week"
            }
        }

        /// The values the field accepts as text; day-of-week accepts 7 as a second Sunday.
        var range: ClosedRange<Int> {
            switch self {
            case .minute: 0...59
            case .hour: 0...23
            case .dayOfMonth: 1...31
            case .month: 1...12
            case .dayOfWeek: 0...7
            }
        }

        /// Upper-cased names the field accepts in place of numbers.
        var names: [String: Int] {
            switch self {
            case .minute, .hour, .dayOfMonth: [:]
            case .month:
                ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
                 "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
            case .dayOfWeek:
                ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
            }
        }

        /// What an unrecognised word is called in errors, for fields that accept names.
        var nameKind: String {
            switch self {
            case .minute, .hour, .dayOfMonth: "name"
            case .month: "month name"
            case .dayOfWeek: "weekday name"
            }
        }
    }

    /// Why a field's text was rejected; the schedule adds the expression and field label.
    struct Failure: Error, Sendable, Equatable {
        let reason: String
    }

    /// Longest run of digits parsed as a number; anything longer is out of range by definition,
    /// and the cap keeps `Int` conversion from overflowing.
    static let digitsMax = 4

    let kind: Kind
    /// Bit `v` is set when value `v` matches. Day-of-week 7 is folded into 0 while parsing.
    let bits: UInt64
    /// True when the text starts with `*`; Vixie cron then ANDs day-of-month with day-of-week
    /// instead of ORing them, even for `*/2`.
    let isStar: Bool

    /// Parses one whitespace-free field.
    /// - Throws: `Failure` whose reason names the offending part of `text`.
    init(parsing text: Substring, as kind: Kind) throws(Failure) {
        var bits: UInt64 = 0
        for element in text.split(separator: ",", omittingEmptySubsequences: false) {
            bits |= try Self.parseElement(element, of: text, as: kind)
        }
        if kind == .dayOfWeek, bits & (1 << 7) != 0 {
            bits = (bits & ~(1 << 7)) | 1  // 7 is another spelling of Sunday (0)
        }
        self.kind = kind
        self.bits = bits
        self.isStar = text.hasPrefix("*")
        checkInvariants()
    }

    /// Traps unless the set is non-empty and inside the field's range.
    func checkInvariants() {
        let allowed = kind.range
        precondition(bits != 0, "cron \(kind.label) field matches nothing")
        precondition(bits >> UInt64(allowed.upperBound + 1) == 0, "cron \(kind.label) bits above range")
        precondition(
            bits & ((1 << UInt64(allowed.lowerBound)) - 1) == 0, "cron \(kind.label) bits below range")
        precondition(kind != .dayOfWeek || bits & (1 << 7) == 0, "cron day-of-week 7 not folded into 0")
    }

    /// True when `value` is in the set.
    func contains(_ value: Int) -> Bool {
        guard (0..<64).contains(value) else { return false }
        return bits & (1 << UInt64(value)) != 0
    }

    /// The smallest member that is at least `value`, or nil if none.
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let masked = bits >> UInt64(max(value, 0))
        guard masked != 0 else { return nil }
        return max(value, 0) + masked.trailingZeroBitCount
    }

    /// The largest member that is at most `value`, or nil if none.
    func previous(atOrBefore value: Int) -> Int? {
        guard value >= 0 else { return nil }
        let masked = value >= 63 ? bits : bits & ((1 << UInt64(value + 1)) - 1)
        guard masked != 0 else { return nil }
        return 63 - masked.leadingZeroBitCount
    }

    /// Parses `base` or `base/step` into a bit set.
    private static func parseElement(
        _ element: Substring, of field: Substring, as kind: Kind
    ) throws(Failure) -> UInt64 {
        guard !element.isEmpty else {
            throw Failure(reason: "empty list element in \"\(field)\"")
        }
        let parts = element.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw Failure(reason: "more than one \"/\" in \"\(element)\"")
        }
        let step = parts.count == 2 ? try parseStep(parts[1], in: element, as: kind) : nil
        let (low, high) = try parseBase(parts[0], in: element, hasStep: step != nil, as: kind)
        var bits: UInt64 = 0
        for value in stride(from: low, through: high, by: step ?? 1) {
            bits |= 1 << UInt64(value)
        }
        return bits
    }

    /// Parses `*`, `a` or `a-b` into bounds; a lone `a` with a step runs to the field's maximum.
    private static func parseBase(
        _ base: Substring, in element: Substring, hasStep: Bool, as kind: Kind
    ) throws(Failure) -> (low: Int, high: Int) {
        if base == "*" {
            return (kind.range.lowerBound, kind.range.upperBound)
        }
        guard !base.isEmpty else {
            throw Failure(reason: "missing value before \"/\" in \"\(element)\"")
        }
        let ends = base.split(separator: "-", omittingEmptySubsequences: false)
        switch ends.count {
        case 1:
            let value = try parseValue(ends[0], as: kind)
            return (value, hasStep ? kind.range.upperBound : value)
        case 2:
            guard !ends[0].isEmpty, !ends[1].isEmpty else {
                throw Failure(reason: "range \"\(base)\" needs a start and an end")
            }
            let low = try parseValue(ends[0], as: kind)
            let high = try parseValue(ends[1], as: kind)
            guard low <= high else {
                throw Failure(reason: "range \(base) is backwards (\(low) > \(high))")
            }
            return (low, high)
        default:
            throw Failure(reason: "range \"\(base)\" has more than one \"-\"")
        }
    }

    /// Parses a step, which must be a number from 1 to the field's maximum.
    private static func parseStep(
        _ text: Substring, in element: Substring, as kind: Kind
    ) throws(Failure) -> Int {
        let allowed = 1...kind.range.upperBound
        guard !text.isEmpty, text.allSatisfy(\.isCronDigit) else {
            throw Failure(reason: "step \"\(text)\" in \"\(element)\" is not a number")
        }
        guard text.count <= digitsMax, let step = Int(text), allowed.contains(step) else {
            throw Failure(reason: "step \(text) in \"\(element)\" is out of range 1-\(allowed.upperBound)")
        }
        return step
    }

    /// Parses a number or, where the field has them, a three-letter name.
    private static func parseValue(_ text: Substring, as kind: Kind) throws(Failure) -> Int {
        let allowed = kind.range
        if text.allSatisfy(\.isCronDigit) {
            guard text.count <= digitsMax, let value = Int(text), allowed.contains(value) else {
                throw Failure(reason: "\(text) is out of range \(allowed.lowerBound)-\(allowed.upperBound)")
            }
            return value
        }
        guard let value = kind.names[text.uppercased()] else {
            throw Failure(reason: kind.names.isEmpty
                ? "\"\(text)\" is not a number"
                : "unknown \(kind.nameKind) \"\(text)\"")
        }
        return value
    }
}

extension Character {
    /// True for `0`-`9` only; `Character.isNumber` also accepts other scripts' digits and fractions.
    fileprivate var isCronDigit: Bool {
        guard let ascii = asciiValue else { return false }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(ascii)
    }
}
