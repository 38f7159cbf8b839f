import BatonPlatforms
import Foundation
import Testing

@Suite struct ProcessPlatformCancelTests {
    @Test func cancelStopsTheWholeSessionAndReportsCancelled() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let commandPIDFile = fixture.temporary.appending("command.pid")
        // It sleeps a day: however long a busy machine keeps this test from running, the
        // command is still running when it is cancelled.
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/sh", "-c", #"echo $$ > "$0"; exec sleep 86400"#, commandPIDFile]))
        #expect(try await fixture.eventually { !fixture.read(commandPIDFile).isEmpty })
        let command = try #require(Int32(fixture.read(commandPIDFile).trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { if ProcessFixture.isRunning(command) { kill(command, SIGKILL) } }
        let supervisor = try #require(fixture.supervisorPID("r1/t/1"))
        let before = try await platform.status(of: id).state
        #expect(before == .running)

        try await platform.cancel(id)
        let after = try await platform.status(of: id).state
        #expect(after == .cancelled)
        // Status calls reap the supervisor; the command is reaped by whoever adopted it.
        #expect(try await fixture.eventually { _ = try? await platform.status(of: id); return !ProcessFixture.isRunning(supervisor) })
        #expect(try await fixture.eventually { !ProcessFixture.isRunning(command) })
        let found = try await fixture.makePlatform().lookUp(idempotencyKey: "r1/t/1")?.state
        #expect(found == .cancelled)
    }

    @Test func cancelOfAFinishedRunKeepsItsOutcome() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/true"]))
        #expect(try await fixture.awaitTerminal(platform, id) == .succeeded(outputJSON: ""))
        try await platform.cancel(id)
        #expect(try await platform.status(of: id).state == .succeeded(outputJSON: ""))
    }
}
