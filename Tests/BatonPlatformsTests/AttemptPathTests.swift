@testable import BatonPlatforms
import Testing

@Suite struct AttemptPathTests {
    @Test(arguments: [
        ("r1/extract/1", "r1/extract/1"),
        ("r1/t[0]/2", "r1/t%5B0%5D/2"),
        ("../x/1", "%2E%2E/x/1"),
        ("./x/1", "%2E/x/1"),
        ("a b/ü/2", "a%20b/%C3%BC/2"),
        ("r/a/b/3", "r/a%2Fb/3"),
        ("r/$(rm -rf ~)/1", "r/%24%28rm%20-rf%20%7E%29/1"),
        ("r.1/t_x-y/1", "r.1/t_x-y/1"),
    ])
    func escapesEachComponent(key: String, relative: String) throws {
        let path = try #require(AttemptPath(idempotencyKey: key))
        #expect(path.relative == relative)
        #expect(AttemptPath(runID: path.runID) == path)
    }

    @Test(arguments: ["", "r", "r/t", "/t/1", "r//1", "r/t/", "r/t/1/"])
    func rejectsKeysWithoutThreeParts(key: String) {
        #expect(AttemptPath(idempotencyKey: key) == nil)
    }

    @Test(arguments: ["sim-1", "proc:", "proc:r/t", "proc:../t/1", "proc:r/../1", "proc:r/t/1/x", "proc:r/t t/1", "proc:/r/t"])
    func rejectsForeignOrEscapingRunIDs(raw: String) {
        #expect(AttemptPath(runID: PlatformRunID(raw)) == nil)
    }
}
