import BatonModel
import Testing

@Suite struct CivilDateTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01"),
        (Int64(86_399_999_999), "1970-01-01"),
        (Int64(86_400_000_000), "1970-01-02"),
        (Int64(-1), "1969-12-31"),
        (Int64(951_782_400) * 1_000_000, "2000-02-29"),
        (Int64(1_795_392_000) * 1_000_000, "2026-11-23"),
    ])
    func isoDateOfEpochMicros(micros: Int64, expected: String) {
        #expect(CivilDate.isoDate(epochMicros: micros) == expected)
    }

    @Test func floorDivideRoundsDown() {
        #expect(CivilDate.floorDivide(-1, 86_400) == -1)
        #expect(CivilDate.floorDivide(86_399, 86_400) == 0)
        #expect(CivilDate.floorDivide(-86_400, 86_400) == -1)
    }
}
