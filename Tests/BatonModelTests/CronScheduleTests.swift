import Foundation
import BatonTestSupport
import Testing

@testable import BatonModel

// MARK: - Helpers

private func at(_ iso: String) throws -> Date {
    try Date(iso, strategy: .iso8601)
}

private func zone(_ identifier: String) throws -> TimeZone {
    try #require(TimeZone(identifier: identifier))
}

/// `count` fire times chained from `start` with `next(after:)`.
private func fires(_ schedule: CronSchedule, after start: Date, count: Int) throws -> [Date] {
    var result: [Date] = []
    var cursor = start
    for _ in 0..<count {
        cursor = try #require(schedule.next(after: cursor), "\(schedule.expression) stopped after \(result)")
        result.append(cursor)
    }
    return result
}

/// An expression with a matcher written independently of the parser, over `Calendar` fields
/// (weekday 1 = Sunday, as Foundation numbers them).
struct CronOracle: Sendable, CustomTestStringConvertible {
    let expression: String
    let matches: @Sendable (DateComponents) -> Bool
    var testDescription: String { expression }

    /// Expressions that fire at least every few weeks, cheap enough to check by minute scan.
    static let dense: [CronOracle] = [
        CronOracle(expression: "* * * * *") { _ in true },
        CronOracle(expression: "*/15 9-17 * * MON-FRI") { c in
            c.minute! % 15 == 0 && (9...17).contains(c.hour!) && (2...6).contains(c.weekday!)
        },
        CronOracle(expression: "5/20 */6 * * *") { c in
            [5, 25, 45].contains(c.minute!) && c.hour! % 6 == 0
        },
        CronOracle(expression: "0 0 13 * FRI") { c in
            c.minute! == 0 && c.hour! == 0 && (c.day! == 13 || c.weekday! == 6)
        },
        CronOracle(expression: "30 4 1,15 * 5") { c in
            c.minute! == 30 && c.hour! == 4 && ([1, 15].contains(c.day!) || c.weekday! == 6)
        },
        CronOracle(expression: "0-10/5 22-23 * * 0,7") { c in
            [0, 5, 10].contains(c.minute!) && (22...23).contains(c.hour!) && c.weekday! == 1
        },
        CronOracle(expression: "0 0 */2 * MON") { c in
            c.minute! == 0 && c.hour! == 0 && c.day! % 2 == 1 && c.weekday! == 2
        },
        CronOracle(expression: "@hourly") { c in c.minute! == 0 },
    ]

    /// Every expression, including ones with months between fires; these aim at DST Sundays.
    static let all: [CronOracle] = dense + [
        CronOracle(expression: "15 2,3 * mar,oct,nov sun") { c in
            c.minute! == 15 && [2, 3].contains(c.hour!) && [3, 10, 11].contains(c.month!)
                && c.weekday! == 1
        },
        CronOracle(expression: "0 0 29 2 *") { c in c.minute! == 0 && c.hour! == 0 && c.day! == 29 },
    ]
}

private func components(_ date: Date, in timeZone: TimeZone) -> DateComponents {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    return calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
}

// MARK: - Parsing

struct CronScheduleParseTests {
    static let invalid: [(expression: String, field: String?, reason: String)] = [
        ("61 * * * *", "minute", "61 is out of range 0-59"),
        ("99999 * * * *", "minute", "99999 is out of range 0-59"),
        ("0 24 * * *", "hour", "24 is out of range 0-23"),
        ("0 0 0 * *", "day-of-month", "0 is out of range 1-31"),
        ("0 0 32 * *", "day-of-month", "32 is out of range 1-31"),
        ("0 0 * 13 *", "month", "13 is out of range 1-12"),
        ("0 0 * * 8", "day-of-week", "8 is out of range 0-7"),
        ("*/0 * * * *", "minute", "step 0 in \"*/0\" is out of range 1-59"),
        ("0 */24 * * *", "hour", "step 24 in \"*/24\" is out of range 1-23"),
        ("0 */x * * *", "hour", "step \"x\" in \"*/x\" is not a number"),
        ("0 0 1/ * *", "day-of-month", "step \"\" in \"1/\" is not a number"),
        ("0 0 * 1/2/3 *", "month", "more than one \"/\" in \"1/2/3\""),
        ("0 0 * /2 *", "month", "missing value before \"/\" in \"/2\""),
        ("0 5-3 * * *", "hour", "range 5-3 is backwards (5 > 3)"),
        ("0 0 * * FRI-MON", "day-of-week", "range FRI-MON is backwards (5 > 1)"),
        ("0 0 * * 1-", "day-of-week", "range \"1-\" needs a start and an end"),
        ("0 0 -1 * *", "day-of-month", "range \"-1\" needs a start and an end"),
        ("0 0 * FOO *", "month", "unknown month name \"FOO\""),
        ("0 0 * * FUNDAY", "day-of-week", "unknown weekday name \"FUNDAY\""),
        ("0 0 * * JAN", "day-of-week", "unknown weekday name \"JAN\""),
        ("MON * * * *", "minute", "\"MON\" is not a number"),
        ("1,,2 * * * *", "minute", "empty list element in \"1,,2\""),
        ("* * * *", nil, "expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("* * * * * *", nil, "expected 5 fields (minute hour day-of-month month day-of-week), got 6"),
        ("", nil, "empty expression"),
        (" \t ", nil, "empty expression"),
        ("@reboot", nil, "unknown macro @reboot"),
        ("@daily 5", nil, "@daily takes no fields, got 1 more"),
    ]

    @Test(arguments: invalid)
    func rejectsInvalidExpression(expression: String, field: String?, reason: String) throws {
        let error = try #require(throws: CronError.self) {
            try CronSchedule(expression, timeZone: zone("UTC"))
        }
        #expect(error.expression == expression)
        #expect(error.field == field)
        #expect(error.reason.contains(reason), "reason: \(error.reason)")
        #expect(error.description.hasPrefix("cron \"\(expression)\": "))
        if let field {
            #expect(error.description.contains(": \(field): "))
        }
    }

    @Test func errorDescriptionNamesExpressionFieldAndReason() throws {
        let error = try #require(throws: CronError.self) {
            try CronSchedule("61 * * * *", timeZone: zone("UTC"))
        }
        #expect(error.description == "cron \"61 * * * *\": minute: 61 is out of range 0-59")
        let whole = CronError(expression: "", field: nil, reason: "empty expression")
        #expect(whole.description == "cron \"\": empty expression")
    }

    @Test(arguments: [
        ("0 9 * jan-MAR mon-fri", "0 9 * 1-3 1-5"),
        ("0 0 * * 7", "0 0 * * 0"),
        ("0 0 * * 5-7", "0 0 * * 0,5,6"),
        ("5/20 * * * *", "5,25,45 * * * *"),
        ("10-30/10 * * * *", "10,20,30 * * * *"),
        ("*/20 */8 * * *", "0,20,40 0,8,16 * * *"),
        ("  0\t12 * * *  ", "0 12 * * *"),
        ("@yearly", "0 0 1 1 *"), ("@annually", "0 0 1 1 *"), ("@YEARLY", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"), ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"), ("@midnight", "0 0 * * *"), ("@hourly", "0 * * * *"),
    ])
    func spellingsFireAlike(spelling: String, canonical: String) throws {
        let start = try at("2025-01-15T10:07:00Z")
        let berlin = try zone("Europe/Berlin")
        let lhs = try fires(CronSchedule(spelling, timeZone: berlin), after: start, count: 40)
        let rhs = try fires(CronSchedule(canonical, timeZone: berlin), after: start, count: 40)
        #expect(lhs == rhs)
    }

    @Test func equalityComparesTextAndZone() throws {
        let utc = try zone("UTC")
        #expect(try CronSchedule("0 0 * * *", timeZone: utc) == CronSchedule("0 0 * * *", timeZone: utc))
        #expect(try CronSchedule("0 0 * * *", timeZone: utc) != CronSchedule("@daily", timeZone: utc))
        let berlin = try zone("Europe/Berlin")
        #expect(try CronSchedule("@daily", timeZone: utc) != CronSchedule("@daily", timeZone: berlin))
    }
}

// MARK: - Fire times

struct CronScheduleFireTests {
    /// Hand-computed vectors. Berlin 2025: CET→CEST at 01:00Z on 03-30, CEST→CET at 01:00Z on
    /// 10-26. New York 2025: EST→EDT at 07:00Z on 03-09, EDT→EST at 06:00Z on 11-02.
    static let dstVectors: [(zone: String, expression: String, after: String, expected: [String])] = [
        // Spring forward: 02:00-02:59 local never happens; matches there fire at the gap's end.
        ("Europe/Berlin", "0 * * * *", "2025-03-29T23:30:00Z",
         ["2025-03-30T00:00:00Z", "2025-03-30T01:00:00Z", "2025-03-30T02:00:00Z"]),
        ("Europe/Berlin", "30 2 * * *", "2025-03-29T00:00:00Z",
         ["2025-03-29T01:30:00Z", "2025-03-30T01:00:00Z", "2025-03-31T00:30:00Z"]),
        ("Europe/Berlin", "*/15 * * * *", "2025-03-30T00:40:00Z",
         ["2025-03-30T00:45:00Z", "2025-03-30T01:00:00Z", "2025-03-30T01:15:00Z"]),
        ("Europe/Berlin", "0 3 * * *", "2025-03-29T12:00:00Z",
         ["2025-03-30T01:00:00Z", "2025-03-31T01:00:00Z"]),
        // Fall back: 02:00-02:59 local happens twice; only the first (CEST) pass fires.
        ("Europe/Berlin", "0 * * * *", "2025-10-25T23:30:00Z",
         ["2025-10-26T00:00:00Z", "2025-10-26T02:00:00Z", "2025-10-26T03:00:00Z"]),
        ("Europe/Berlin", "30 2 * * *", "2025-10-25T00:00:00Z",
         ["2025-10-25T00:30:00Z", "2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"]),
        ("Europe/Berlin", "*/15 * * * *", "2025-10-26T00:40:00Z",
         ["2025-10-26T00:45:00Z", "2025-10-26T02:00:00Z", "2025-10-26T02:15:00Z"]),
        ("Europe/Berlin", "*/15 * * * *", "2025-10-26T01:20:00Z",  // inside the second pass
         ["2025-10-26T02:00:00Z", "2025-10-26T02:15:00Z"]),
        ("America/New_York", "0 * * * *", "2025-03-09T05:30:00Z",
         ["2025-03-09T06:00:00Z", "2025-03-09T07:00:00Z", "2025-03-09T08:00:00Z"]),
        ("America/New_York", "30 2 * * *", "2025-03-08T00:00:00Z",
         ["2025-03-08T07:30:00Z", "2025-03-09T07:00:00Z", "2025-03-10T06:30:00Z"]),
        ("America/New_York", "*/15 * * * *", "2025-03-09T06:40:00Z",
         ["2025-03-09T06:45:00Z", "2025-03-09T07:00:00Z", "2025-03-09T07:15:00Z"]),
        ("America/New_York", "0 * * * *", "2025-11-02T03:30:00Z",
         ["2025-11-02T04:00:00Z", "2025-11-02T05:00:00Z", "2025-11-02T07:00:00Z"]),
        ("America/New_York", "30 1 * * *", "2025-11-01T00:00:00Z",
         ["2025-11-01T05:30:00Z", "2025-11-02T05:30:00Z", "2025-11-03T06:30:00Z"]),
        ("America/New_York", "*/15 * * * *", "2025-11-02T05:40:00Z",
         ["2025-11-02T05:45:00Z", "2025-11-02T07:00:00Z", "2025-11-02T07:15:00Z"]),
    ]

    @Test(arguments: dstVectors)
    func firesAcrossDaylightSavingTransitions(
        zoneID: String, expression: String, after: String, expected: [String]
    ) throws {
        let schedule = try CronSchedule(expression, timeZone: zone(zoneID))
        let want = try expected.map(at)
        #expect(try fires(schedule, after: at(after), count: want.count) == want)
    }

    @Test(arguments: dstVectors)
    func previousWalksTheSameVectorsBackwards(
        zoneID: String, expression: String, after: String, expected: [String]
    ) throws {
        let schedule = try CronSchedule(expression, timeZone: zone(zoneID))
        let want = try expected.map(at)
        for (earlier, later) in zip(want, want.dropFirst()) {
            #expect(schedule.previous(before: later) == earlier)
            #expect(schedule.previous(before: later.addingTimeInterval(0.001)) == later)
        }
    }

    @Test func previousSkipsTheRepeatedHour() throws {
        let schedule = try CronSchedule("*/15 * * * *", timeZone: zone("Europe/Berlin"))
        // 01:20Z is 02:20 CET, the second pass; 02:15 CET never fires, 02:45 CEST (00:45Z) did.
        #expect(try schedule.previous(before: at("2025-10-26T01:20:00Z")) == at("2025-10-26T00:45:00Z"))
        #expect(try schedule.previous(before: at("2025-10-26T02:00:00Z")) == at("2025-10-26T00:45:00Z"))
        let spring = try CronSchedule("30 2 * * *", timeZone: zone("Europe/Berlin"))
        #expect(try spring.previous(before: at("2025-03-30T01:15:00Z")) == at("2025-03-30T01:00:00Z"))
        #expect(try spring.previous(before: at("2025-03-30T01:00:00Z")) == at("2025-03-29T01:30:00Z"))
    }

    @Test(arguments: [
        // Both day fields restricted: the 13th OR any Friday (2025-06-13 is both, 07-13 a Sunday).
        ("0 0 13 * FRI", ["06-06", "06-13", "06-20", "06-27", "07-04", "07-11", "07-13", "07-18"]),
        // Day-of-month `*`: Fridays only.
        ("0 0 * * FRI", ["06-06", "06-13", "06-20", "06-27", "07-04", "07-11", "07-18", "07-25"]),
        // `*/1` starts with `*`, so Vixie cron ANDs: still Fridays only.
        ("0 0 */1 * FRI", ["06-06", "06-13", "06-20", "06-27", "07-04", "07-11", "07-18", "07-25"]),
        ("0 0 13 * *", ["06-13", "07-13", "08-13", "09-13"]),
        // Never the 30th of February, but every February Friday because of the OR.
        ("0 0 30 2 FRI", ["2026-02-06", "2026-02-13", "2026-02-20", "2026-02-27", "2027-02-05"]),
    ])
    func appliesDayOfMonthDayOfWeekRule(expression: String, days: [String]) throws {
        let schedule = try CronSchedule(expression, timeZone: zone("UTC"))
        let want = try days.map { try at(($0.count == 5 ? "2025-" + $0 : $0) + "T00:00:00Z") }
        #expect(try fires(schedule, after: at("2025-06-01T00:00:00Z"), count: want.count) == want)
    }

    @Test(arguments: [
        ("@hourly", "UTC", "2025-06-15T11:00:00Z"),
        ("@daily", "UTC", "2025-06-16T00:00:00Z"),
        ("@weekly", "UTC", "2025-06-22T00:00:00Z"),
        ("@monthly", "UTC", "2025-07-01T00:00:00Z"),
        ("@yearly", "UTC", "2026-01-01T00:00:00Z"),
        ("@yearly", "Europe/Berlin", "2025-12-31T23:00:00Z"),
        ("@yearly", "America/New_York", "2026-01-01T05:00:00Z"),
        ("0 0 29 2 *", "UTC", "2028-02-29T00:00:00Z"),
        ("0 0 29 2 *", "Europe/Berlin", "2028-02-28T23:00:00Z"),
    ])
    func firesNextFromMidJune2025(expression: String, zoneID: String, expected: String) throws {
        let schedule = try CronSchedule(expression, timeZone: zone(zoneID))
        #expect(try schedule.next(after: at("2025-06-15T10:30:00Z")) == at(expected))
    }

    @Test func leapDayFollowsGregorianRules() throws {
        let schedule = try CronSchedule("0 0 29 2 *", timeZone: zone("UTC"))
        #expect(try schedule.next(after: at("2025-01-01T00:00:00Z")) == at("2028-02-29T00:00:00Z"))
        #expect(try schedule.previous(before: at("2028-02-29T00:00:00Z")) == at("2024-02-29T00:00:00Z"))
        // 2100 is not a leap year.
        #expect(try schedule.next(after: at("2096-03-01T00:00:00Z")) == at("2104-02-29T00:00:00Z"))
        #expect(try schedule.previous(before: at("2104-02-29T00:00:00Z")) == at("2096-02-29T00:00:00Z"))
    }

    @Test(arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 *"])
    func impossibleDateNeverFires(expression: String) throws {
        let schedule = try CronSchedule(expression, timeZone: zone("Europe/Berlin"))
        #expect(try schedule.next(after: at("2025-01-01T00:00:00Z")) == nil)
        #expect(try schedule.previous(before: at("2025-01-01T00:00:00Z")) == nil)
    }

    @Test func fractionalSecondsAndSupportedYears() throws {
        let schedule = try CronSchedule("* * * * *", timeZone: zone("UTC"))
        let base = try at("2025-06-15T10:00:00Z")
        #expect(schedule.next(after: base.addingTimeInterval(0.5)) == base.addingTimeInterval(60))
        #expect(schedule.previous(before: base.addingTimeInterval(0.5)) == base)
        #expect(schedule.next(after: base) == base.addingTimeInterval(60))
        #expect(schedule.previous(before: base) == base.addingTimeInterval(-60))
        #expect(try schedule.next(after: at("9999-12-31T23:59:00Z")) == nil)
        #expect(try schedule.previous(before: at("0001-01-01T00:00:00Z")) == nil)
        #expect(schedule.next(after: Date(timeIntervalSince1970: .infinity)) == nil)
        #expect(schedule.previous(before: Date(timeIntervalSince1970: .nan)) == nil)
    }
}

// MARK: - Random tables

struct CronScheduleRandomTests {
    /// A random whole-minute-or-not instant in 2020-2030, drawn from `generator`.
    private static func randomDate(_ generator: inout SeededGenerator) -> Date {
        Date(timeIntervalSince1970: Double.random(in: 1_577_836_800..<1_893_456_000, using: &generator))
    }

    /// Minute-by-minute scan in UTC, the obviously-correct and slow reference.
    private static func scan(_ oracle: CronOracle, from start: Date, step: Double) -> Date? {
        let utc = TimeZone(identifier: "UTC")!
        var minute = (start.timeIntervalSince1970 / 60).rounded(step > 0 ? .down : .up) * 60
        for _ in 0..<(60 * 24 * 40) {
            minute += step
            let candidate = Date(timeIntervalSince1970: minute)
            if (step > 0 ? candidate > start : candidate < start),
               oracle.matches(components(candidate, in: utc)) {
                return candidate
            }
        }
        return nil
    }

    @Test(arguments: CronOracle.dense)
    func agreesWithMinuteScanInUTC(oracle: CronOracle) throws {
        let schedule = try CronSchedule(oracle.expression, timeZone: zone("UTC"))
        var generator = SeededGenerator(seed: 0xC0FFEE)
        for _ in 0..<12 {
            let start = Self.randomDate(&generator)
            let forward = Self.scan(oracle, from: start, step: 60)
            let backward = Self.scan(oracle, from: start, step: -60)
            #expect(schedule.next(after: start) == forward, "after \(start)")
            #expect(schedule.previous(before: start) == backward, "before \(start)")
        }
    }

    /// Whole-hour DST both ways, Lord Howe's 30-minute DST, Chatham's +12:45, and no DST at all.
    @Test(arguments: [
        "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kolkata",
    ])
    func chainsIncreaseAndMatchInZone(zoneID: String) throws {
        let timeZone = try zone(zoneID)
        var generator = SeededGenerator(seed: 20_250_330)
        for oracle in CronOracle.all {
            let schedule = try CronSchedule(oracle.expression, timeZone: timeZone)
            for _ in 0..<6 {
                let start = Self.randomDate(&generator)
                let chain = try fires(schedule, after: start, count: 30)
                #expect(chain.first.map { $0 > start } == true)
                for (earlier, later) in zip(chain, chain.dropFirst()) {
                    #expect(earlier < later, "\(oracle.expression) in \(zoneID): \(earlier) then \(later)")
                    #expect(schedule.previous(before: later) == earlier)
                }
                for fire in chain {
                    Self.expectLegitimateFire(fire, of: oracle, in: timeZone)
                }
            }
        }
    }

    /// A fire either shows a matching wall-clock time that the clock has not shown before, or
    /// is the end of a spring-forward gap (where skipped matches land).
    private static func expectLegitimateFire(
        _ fire: Date, of oracle: CronOracle, in timeZone: TimeZone
    ) {
        let offset = timeZone.secondsFromGMT(for: fire)
        let isGapEnd = timeZone.secondsFromGMT(for: fire.addingTimeInterval(-1)) < offset
        #expect(isGapEnd || oracle.matches(components(fire, in: timeZone)),
                "\(oracle.expression) in \(timeZone.identifier) fired at \(fire)")
        let fallBack = timeZone.secondsFromGMT(for: fire.addingTimeInterval(-3 * 3600)) - offset
        if fallBack > 0 {
            let sameReadingBefore = fire.addingTimeInterval(-Double(fallBack))
            #expect(timeZone.secondsFromGMT(for: sameReadingBefore) != offset + fallBack,
                    "\(oracle.expression) in \(timeZone.identifier) fired in a repeated hour at \(fire)")
        }
    }
}
