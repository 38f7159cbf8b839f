import BatonModel
import Testing

@Suite struct ValuesTests {
    @Test(arguments: [
        ("90s", Duration.seconds(90)), ("5m", .seconds(300)), ("1h30m", .seconds(5400)),
        ("250ms", .milliseconds(250)), ("2d", .seconds(172_800)), ("0s", .zero), ("1h0m5s", .seconds(3605)),
    ])
    func parsesDurations(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "5", "m", "5 m", "30m1h", "1h1h", "-5s", "1.5h", "5min", "99999999999999d"])
    func rejectsBadDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: ["1h30m", "250ms", "0s", "2d3h", "59s"])
    func formatRoundTrips(text: String) throws {
        #expect(DurationText.format(try #require(DurationText.parse(text))) == text)
    }

    @Test func parsesRates() {
        #expect(RateLimit.parse("10/1m") == RateLimit(count: 10, window: .seconds(60)))
        #expect(RateLimit.parse("10/1m")?.description == "10/1m")
        for bad in ["0/1m", "10/0s", "10", "/1m", "x/1m", "10/1m/2", "+5/1s"] {
            #expect(RateLimit.parse(bad) == nil, "\(bad)")
        }
    }
}
