import BatonPlatforms
import Foundation
import Testing

@Suite struct ProcessPlatformIdempotencyTests {
    /// Appends one line to the marker file given as `$0`.
    private static func appendingMarker(_ marker: String) -> [String] {
        ["/bin/sh", "-c", #"echo started >> "$0"; echo '{}' > "$BATON_OUTPUT""#, marker]
    }

    @Test func submittingTheSameKeyTwiceStartsOneProcess() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let marker = fixture.temporary.appending("marker")
        let first = try await platform.submit(request("r1/t/1", command: Self.appendingMarker(marker)))
        let second = try await platform.submit(request("r1/t/1", command: Self.appendingMarker(marker)))
        #expect(first == second)
        #expect(try await fixture.awaitTerminal(platform, first) == .succeeded(outputJSON: "{}"))
        #expect(fixture.read(marker) == "started\n")
    }

    @Test func concurrentSubmitsOfOneKeyStartOneProcess() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let marker = fixture.temporary.appending("marker")
        let platforms = [fixture.makePlatform(), fixture.makePlatform(), fixture.makePlatform()]
        let ids = try await withThrowingTaskGroup(of: PlatformRunID.self) { group in
            for platform in platforms {
                group.addTask { try await platform.submit(request("r1/t/1", command: Self.appendingMarker(marker))) }
            }
            return try await group.reduce(into: Set<PlatformRunID>()) { $0.insert($1) }
        }
        #expect(ids == [PlatformRunID("proc:r1/t/1")])
        #expect(try await fixture.awaitTerminal(platforms[0], PlatformRunID("proc:r1/t/1")) == .succeeded(outputJSON: "{}"))
        #expect(fixture.read(marker) == "started\n")
    }

    @Test func aNewInstanceFindsTheRunByIDAndByKey() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let id = try await fixture.makePlatform().submit(request("r1/t[0]/1", command: ["/bin/sh", "-c", #"echo '{"a": 1}' > "$BATON_OUTPUT""#]))
        let restarted = fixture.makePlatform()
        #expect(try await fixture.awaitTerminal(restarted, id) == .succeeded(outputJSON: #"{"a": 1}"#))
        let found = try await restarted.lookUp(idempotencyKey: "r1/t[0]/1")
        #expect(found == PlatformRunStatus(runID: id, state: .succeeded(outputJSON: #"{"a": 1}"#)))
        #expect(try await restarted.submit(request("r1/t[0]/1", command: ["/bin/false"])) == id)
    }

    @Test func theProcessOutlivesTheSubmitterInItsOwnSession() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let gate = fixture.temporary.appending("gate")
        // Waits for the gate file (up to an hour), so "still running" does not depend on timing.
        let script = #"i=0; while [ ! -e "$0" ] && [ $i -lt 36000 ]; do sleep 0.1; i=$((i+1)); done; echo '{"gated": true}' > "$BATON_OUTPUT""#
        var submitter: ProcessPlatform? = fixture.makePlatform()
        let id = try await submitter?.submit(request("r1/t/1", command: ["/bin/sh", "-c", script, gate]))
        submitter = nil
        let runID = try #require(id)
        let pid = try #require(fixture.supervisorPID("r1/t/1"))
        let session = try #require(fixture.read("/proc/\(pid)/stat").split(separator: ")").last?.split(separator: " ")[3])
        #expect(Int32(session) == pid, "the supervisor leads its own session")
        #expect(getsid(0) != pid)
        let observer = fixture.makePlatform()
        #expect(try await observer.status(of: runID).state == .running)
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        #expect(try await fixture.awaitTerminal(observer, runID) == .succeeded(outputJSON: #"{"gated": true}"#))
    }

    @Test func aClaimThatNeverStartedIsMovedAsideAndStarted() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let directory = fixture.attemptDirectory("r1/t/1")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/sh", "-c", #"echo '{}' > "$BATON_OUTPUT""#]))
        #expect(try await fixture.awaitTerminal(platform, id) == .succeeded(outputJSON: "{}"))
        let siblings = try FileManager.default.contentsOfDirectory(atPath: fixture.root + "/r1/t")
        #expect(siblings.sorted() == ["1", "1+abandoned-\(fixture.clock.nowMicros())"])
    }
}
