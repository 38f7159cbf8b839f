public import Foundation

/// A parsed cron schedule in a named time zone.
///
/// The dialect is Vixie cron's: five fields (minute hour day-of-month month day-of-week) or one of
/// `@hourly @daily @midnight @weekly @monthly @yearly @annually`. When day-of-month and
/// day-of-week are both restricted (neither text starts with `*`) a day matches if either does;
/// otherwise both must match. `Specs/cron.md` is the reference.
///
/// Matching happens on the wall clock of `timeZone` (proleptic Gregorian calendar). Each matching
/// local minute fires at **the first instant at which the zone's clock reads that minute or later**:
/// - A local time skipped by a spring-forward gap fires at the first instant after the gap. Berlin
///   `30 2 * * *` on 2025-03-30 fires at 03:00 CEST (01:00Z). Every skipped match collapses into
///   that one instant, which also absorbs a match right at the end of the gap (03:00): it fires once.
/// - A local time repeated by a fall-back fires at its first occurrence only; the second pass
///   through the repeated hour fires nothing, so `0 * * * *` leaves two real hours between fires.
///
/// Equality compares the expression text and zone, so `@daily` and `0 0 * * *` differ.
public struct CronSchedule: Sendable, Equatable {
    /// The text as given to `init`.
    public let expression: String
    /// The zone whose wall clock the fields are matched against.
    public let timeZone: TimeZone

    let minutes: CronField
    let hours: CronField
    let daysOfMonth: CronField
    let months: CronField
    let daysOfWeek: CronField

    /// Years searched from the start before giving up. The Gregorian calendar (leap years and
    /// weekdays together) repeats every 400 years, so no match in that window means never.
    static let yearsSearchMax = 400
    /// Field-stepping iterations allowed per searched year; one year needs about 12 + 2 × 366.
    static let stepsPerYearMax = 1_000
    /// Matching local minutes that may be passed over because they resolve to instants on the
    /// wrong side of the start (the repeated hour after a fall-back); two days of minutes.
    static let candidatesSkippedMax = 2 * 24 * 60 + 2
    /// Halvings allowed when locating a spring-forward transition; 2^64 exceeds any window.
    static let bisectionStepsMax = 64
    /// Instants (seconds since 1970) supported: years 0001 through 9999 UTC.
    static let supportedSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    /// Parses `expression`; matching happens on the wall clock of `timeZone`.
    /// - Throws: `CronError` naming the expression, the field and why.
    public init(_ expression: String, timeZone: TimeZone) throws(CronError) {
        let texts = try Self.fieldTexts(of: expression)
        var fields: [CronField] = []
        for (text, kind) in zip(texts, CronField.Kind.allCases) {
            do throws(CronField.Failure) {
                fields.append(try CronField(parsing: text, as: kind))
            } catch {
                throw CronError(expression: expression, field: kind.label, reason: error.reason)
            }
        }
        precondition(fields.count == 5, "cron parsed \(fields.count) fields from \(texts.count)")
        self.expression = expression
        self.timeZone = timeZone
        (minutes, hours, daysOfMonth, months, daysOfWeek) =
            (fields[0], fields[1], fields[2], fields[3], fields[4])
    }

    /// The first fire time strictly after `date`, or nil if none within `yearsSearchMax` years
    /// (e.g. `0 0 30 2 *` never fires) or past year 9999.
    /// - Complexity: O(days in the years searched) field steps; usually a handful.
    public func next(after date: Date) -> Date? {
        let after = date.timeIntervalSince1970
        guard Self.supportedSeconds.contains(after) else { return nil }
        let now = Int(after.rounded(.down))
        // Local minutes before the clock's reading at `now` resolve to instants at or before it.
        var cursor = LocalMinute(localSeconds: now + offset(at: now))
        for _ in 0..<Self.candidatesSkippedMax {
            guard let match = firstMatch(atOrAfter: cursor) else { return nil }
            let fire = instant(forLocal: match.localSeconds)
            if Double(fire) > after { return Self.date(fire) }
            cursor = match.advanced(byMinutes: 1)
        }
        return nil
    }

    /// The last fire time strictly before `date`, or nil if none within `yearsSearchMax` years
    /// or before year 0001.
    /// - Complexity: O(days in the years searched) field steps; usually a handful.
    public func previous(before date: Date) -> Date? {
        let before = date.timeIntervalSince1970
        guard Self.supportedSeconds.contains(before) else { return nil }
        let now = Int(before.rounded(.down))
        // After a fall-back the clock reads less than it did an hour ago, so start from the
        // largest reading of the last day; later minutes resolve to instants after `now`.
        let offsetMax = [now - 86_400, now - 43_200, now].map(offset(at:)).reduce(Int.min, max)
        var cursor = LocalMinute(localSeconds: now + offsetMax)
        for _ in 0..<Self.candidatesSkippedMax {
            guard let match = lastMatch(atOrBefore: cursor) else { return nil }
            let fire = instant(forLocal: match.localSeconds)
            if Double(fire) < before { return Self.date(fire) }
            cursor = match.advanced(byMinutes: -1)
        }
        return nil
    }

    /// Splits the text into the five field texts, expanding an `@` macro.
    private static func fieldTexts(of expression: String) throws(CronError) -> [Substring] {
        let words = expression.split(whereSeparator: \.isWhitespace)
        guard let first = words.first else {
            throw CronError(expression: expression, field: nil, reason: "empty expression")
        }
        if first.hasPrefix("@") {
            guard let expansion = macroExpansion(first.lowercased()) else {
                throw CronError(
                    expression: expression, field: nil,
                    reason: "unknown macro \(first); expected one of "
                        + "@hourly @daily @midnight @weekly @monthly @yearly @annually")
            }
            guard words.count == 1 else {
                throw CronError(
                    expression: expression, field: nil,
                    reason: "\(first) takes no fields, got \(words.count - 1) more")
            }
            return expansion.split(separator: " ")
        }
        guard words.count == 5 else {
            throw CronError(
                expression: expression, field: nil,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week), "
                    + "got \(words.count)")
        }
        return words
    }

    /// The five fields a macro stands for; `@reboot` is not a time and has none.
    private static func macroExpansion(_ macro: String) -> String? {
        switch macro {
        case "@yearly", "@annually": "0 0 1 1 *"
        case "@monthly": "0 0 1 * *"
        case "@weekly": "0 0 * * 0"
        case "@daily", "@midnight": "0 0 * * *"
        case "@hourly": "0 * * * *"
        default: nil
        }
    }

    /// The date for `seconds` since 1970, or nil outside the supported years.
    private static func date(_ seconds: Int) -> Date? {
        let interval = Double(seconds)
        guard supportedSeconds.contains(interval) else { return nil }
        return Date(timeIntervalSince1970: interval)
    }
}

/// Why a cron expression was rejected.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The expression as given.
    public let expression: String
    /// "minute", "hour", "day-of-month", "month", "day-of-week", or nil for the whole expression.
    public let field: String?
    /// What is wrong, quoting the offending text.
    public let reason: String

    /// Creates an error; `field` is nil when the expression as a whole is at fault.
    public init(expression: String, field: String?, reason: String) {
        self.expression = expression
        self.field = field
        self.reason = reason
    }

    /// For example `cron "61 * * * *": minute: 61 is out of range 0-59`.
    public var description: String {
        guard let field else { return "cron \"\(expression)\": \(reason)" }
        return "cron \"\(expression)\": \(field): \(reason)"
    }
}

// MARK: - Wall-clock search

extension CronSchedule {
    /// The earliest local minute at or after `start` that all fields match, or nil if none
    /// within `yearsSearchMax` years. Jumps field by field; never walks minute by minute.
    func firstMatch(atOrAfter start: LocalMinute) -> LocalMinute? {
        var t = start
        let yearLast = start.year + Self.yearsSearchMax
        for _ in 0..<((Self.yearsSearchMax + 1) * Self.stepsPerYearMax) {
            guard t.year <= yearLast else { return nil }
            guard let month = months.next(atOrAfter: t.month) else {
                t = LocalMinute(year: t.year + 1, month: 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if month != t.month {
                t = LocalMinute(year: t.year, month: month, day: 1, hour: 0, minute: 0)
            }
            guard dayMatches(t) else { t = t.startOfNextDay(); continue }
            guard let hour = hours.next(atOrAfter: t.hour) else { t = t.startOfNextDay(); continue }
            if hour != t.hour { (t.hour, t.minute) = (hour, 0) }
            guard let minute = minutes.next(atOrAfter: t.minute) else {
                t = t.startOfNextHour()
                continue
            }
            t.minute = minute
            return t
        }
        preconditionFailure("cron \"\(expression)\": forward search outran its step bound from \(start)")
    }

    /// The latest local minute at or before `start` that all fields match, or nil if none
    /// within `yearsSearchMax` years. Mirrors `firstMatch(atOrAfter:)`.
    func lastMatch(atOrBefore start: LocalMinute) -> LocalMinute? {
        var t = start
        let yearFirst = start.year - Self.yearsSearchMax
        for _ in 0..<((Self.yearsSearchMax + 1) * Self.stepsPerYearMax) {
            guard t.year >= yearFirst else { return nil }
            guard let month = months.previous(atOrBefore: t.month) else {
                t = LocalMinute(year: t.year - 1, month: 12, day: 31, hour: 23, minute: 59)
                continue
            }
            if month != t.month {
                let day = LocalMinute.daysInMonth(year: t.year, month: month)
                t = LocalMinute(year: t.year, month: month, day: day, hour: 23, minute: 59)
            }
            guard dayMatches(t) else { t = t.endOfPreviousDay(); continue }
            guard let hour = hours.previous(atOrBefore: t.hour) else {
                t = t.endOfPreviousDay()
                continue
            }
            if hour != t.hour { (t.hour, t.minute) = (hour, 59) }
            guard let minute = minutes.previous(atOrBefore: t.minute) else {
                t = t.endOfPreviousHour()
                continue
            }
            t.minute = minute
            return t
        }
        preconditionFailure("cron \"\(expression)\": backward search outran its step bound from \(start)")
    }

    /// Vixie cron's day rule: OR when both day fields are restricted, AND when either is `*`.
    func dayMatches(_ t: LocalMinute) -> Bool {
        let byMonthDay = daysOfMonth.contains(t.day)
        let byWeekday = daysOfWeek.contains(t.weekday)
        if daysOfMonth.isStar || daysOfWeek.isStar { return byMonthDay && byWeekday }
        return byMonthDay || byWeekday
    }
}

// MARK: - Wall clock to instant

extension CronSchedule {
    /// The zone's offset from UTC in seconds at `seconds` since 1970.
    func offset(at seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
    }

    /// The first instant (seconds since 1970) at which the zone's clock reads `local` or later.
    ///
    /// Tries the offsets in force a day either side, which covers one transition; a reading
    /// no offset produces lies in a spring-forward gap and resolves to the end of the gap.
    func instant(forLocal local: Int) -> Int {
        let offsets = [local - 86_400, local, local + 86_400].map(offset(at:))
        var earliest: Int?
        for candidate in offsets.map({ local - $0 }) where candidate + offset(at: candidate) == local {
            earliest = min(earliest ?? candidate, candidate)
        }
        if let earliest { return earliest }
        let low = offsets.map { local - $0 }.reduce(Int.max, min)
        let high = offsets.map { local - $0 }.reduce(Int.min, max)
        return firstInstant(readingAtLeast: local, after: low, upTo: high)
    }

    /// Bisects for the first instant in (`low`, `high`] whose clock reading is at least `local`,
    /// given a reading below `local` at `low` and at least `local` at `high`.
    private func firstInstant(readingAtLeast local: Int, after low: Int, upTo high: Int) -> Int {
        func reading(_ t: Int) -> Int { t + offset(at: t) }
        // Zone data with two transitions within a day could break the bracket; the later end
        // is then still a moment the clock has passed `local`.
        guard reading(low) < local, reading(high) >= local else { return high }
        var (low, high) = (low, high)
        for _ in 0..<Self.bisectionStepsMax where high - low > 1 {
            let middle = low + (high - low) / 2
            if reading(middle) >= local { high = middle } else { low = middle }
        }
        return high
    }
}

// MARK: - Local minutes

extension CronSchedule {
    /// A wall-clock minute in the proleptic Gregorian calendar, attached to no zone.
    ///
    /// Plain integer arithmetic keeps the search exact and cheap; `Calendar` is never consulted,
    /// which also avoids its Julian dates before 1582.
    struct LocalMinute: Sendable, Equatable, Comparable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int

        init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
            (self.year, self.month, self.day, self.hour, self.minute) = (year, month, day, hour, minute)
        }

        /// The minute containing `localSeconds` seconds of wall-clock time since 1970-01-01 00:00.
        init(localSeconds: Int) {
            let minutes = Self.floorDivide(localSeconds, 60)
            let days = Self.floorDivide(minutes, 1_440)
            let minuteOfDay = minutes - days * 1_440
            let (year, month, day) = Self.civil(fromDays: days)
            self.init(year: year, month: month, day: day, hour: minuteOfDay / 60, minute: minuteOfDay % 60)
        }

        /// Wall-clock seconds since 1970-01-01 00:00 at the start of this minute.
        var localSeconds: Int {
            (Self.days(year: year, month: month, day: day) * 1_440 + hour * 60 + minute) * 60
        }

        /// Day of the week, 0 = Sunday through 6 = Saturday, as cron numbers them.
        var weekday: Int {
            let days = Self.days(year: year, month: month, day: day)
            return days - Self.floorDivide(days + 4, 7) * 7 + 4  // 1970-01-01 was a Thursday (4)
        }

        static func < (lhs: LocalMinute, rhs: LocalMinute) -> Bool {
            (lhs.year, lhs.month, lhs.day, lhs.hour, lhs.minute)
                < (rhs.year, rhs.month, rhs.day, rhs.hour, rhs.minute)
        }

        func advanced(byMinutes count: Int) -> LocalMinute {
            LocalMinute(localSeconds: localSeconds + count * 60)
        }

        func startOfNextHour() -> LocalMinute {
            hour < 23 ? LocalMinute(year: year, month: month, day: day, hour: hour + 1, minute: 0)
                : startOfNextDay()
        }

        func startOfNextDay() -> LocalMinute {
            if day < Self.daysInMonth(year: year, month: month) {
                return LocalMinute(year: year, month: month, day: day + 1, hour: 0, minute: 0)
            }
            if month < 12 { return LocalMinute(year: year, month: month + 1, day: 1, hour: 0, minute: 0) }
            return LocalMinute(year: year + 1, month: 1, day: 1, hour: 0, minute: 0)
        }

        func endOfPreviousHour() -> LocalMinute {
            hour > 0 ? LocalMinute(year: year, month: month, day: day, hour: hour - 1, minute: 59)
                : endOfPreviousDay()
        }

        func endOfPreviousDay() -> LocalMinute {
            if day > 1 { return LocalMinute(year: year, month: month, day: day - 1, hour: 23, minute: 59) }
            let (y, m) = month > 1 ? (year, month - 1) : (year - 1, 12)
            let day = Self.daysInMonth(year: y, month: m)
            return LocalMinute(year: y, month: m, day: day, hour: 23, minute: 59)
        }

        static func daysInMonth(year: Int, month: Int) -> Int {
            switch month {
            case 2: isLeap(year) ? 29 : 28
            case 4, 6, 9, 11: 30
            default: 31
            }
        }

        static func isLeap(_ year: Int) -> Bool {
            year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        }

        /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
        static func days(year: Int, month: Int, day: Int) -> Int {
            let y = month <= 2 ? year - 1 : year
            let era = floorDivide(y, 400)
            let yearOfEra = y - era * 400
            let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1  // counted from March 1
            let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
            return era * 146_097 + dayOfEra - 719_468
        }

        /// The date `days` after 1970-01-01.
        static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) { CivilDate.fromDays(days) }

        static func floorDivide(_ value: Int, _ divisor: Int) -> Int { CivilDate.floorDivide(value, divisor) }
    }
}
