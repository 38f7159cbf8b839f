import BatonPlatforms
import Foundation
import Testing

@Suite struct ProcessPlatformTests {
    @Test func succeedsWithTheOutputWrittenToBatonOutput() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/extract/1", command: ["/bin/sh", "-c", #"echo {\"rows\": 3} > "$BATON_OUTPUT""#]))
        #expect(id == PlatformRunID("proc:r1/extract/1"))
        #expect(try await fixture.awaitTerminal(platform, id) == .succeeded(outputJSON: #"{"rows": 3}"#))
        #expect(platform.capabilities == PlatformCapabilities(canLookUpByKey: true, canCancel: true, pendingByKeyIsUnstarted: true))
    }

    @Test func succeedsWithEmptyOutputWhenNoneWasWritten() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/true"]))
        #expect(try await fixture.awaitTerminal(platform, id) == .succeeded(outputJSON: ""))
    }

    @Test func failsWithTheExitStatusAndLastStderrLineAndKeepsTheOutputFiles() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let script = "echo to-stdout; echo first >&2; echo 'table orders is missing' >&2; exit 3"
        let id = try await platform.submit(request("r1/load/2", command: ["/bin/sh", "-c", script]))
        #expect(try await fixture.awaitTerminal(platform, id) == .failed(message: "exit status 3; last stderr line: table orders is missing"))
        let directory = fixture.attemptDirectory("r1/load/2")
        #expect(fixture.read(directory + "/stdout") == "to-stdout\n")
        #expect(fixture.read(directory + "/stderr") == "first\ntable orders is missing\n")
    }

    @Test func failsWithoutStderr() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/false"]))
        #expect(try await fixture.awaitTerminal(platform, id) == .failed(message: "exit status 1; stderr empty"))
    }

    @Test func truncatesALongStderrLine() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/sh", "-c", "printf 'x%.0s' $(seq 3000) >&2; exit 4"]))
        guard case .failed(let message) = try await fixture.awaitTerminal(platform, id) else {
            Issue.record("expected a failure")
            return
        }
        #expect(message.hasPrefix("exit status 4; last stderr line: xxx"))
        #expect(message.hasSuffix("…"))
        #expect(message.utf8.count < 600)
    }

    @Test(arguments: ["[1, 2]", "not json", "\"text\""])
    func failsWhenTheOutputIsNotAJSONObject(output: String) async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/sh", "-c", #"printf '%s' "$0" > "$BATON_OUTPUT""#, output]))
        #expect(try await fixture.awaitTerminal(platform, id) == .failed(message: "output file r1/t/1/output.json is not a JSON object: \(output)"))
    }

    @Test func reportsUnknownRunsAsNotFound() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        for raw in ["proc:r/t/1", "proc:../../etc/passwd", "sim-1"] {
            await #expect(throws: PlatformError.notFound("status of \(raw): no such process run under \(fixture.root)")) {
                try await platform.status(of: PlatformRunID(raw))
            }
        }
        await #expect(throws: PlatformError.notFound("cancel of proc:r/t/1: no such process run under \(fixture.root)")) {
            try await platform.cancel(PlatformRunID("proc:r/t/1"))
        }
        #expect(try await platform.lookUp(idempotencyKey: "r/t/1") == nil)
        await #expect(throws: PlatformError.invalid("look up r/t: idempotency key is not run/task/attempt")) {
            try await platform.lookUp(idempotencyKey: "r/t")
        }
    }

    @Test func reportsAVanishedSupervisorAsFailed() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let directory = fixture.attemptDirectory("r1/t/1")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let boot = fixture.read("/proc/sys/kernel/random/boot_id").trimmingCharacters(in: .whitespacesAndNewlines)
        // Our own pid with a start time it never had: a reused pid.
        try "\(getpid()) 1 \(boot)\n".write(toFile: directory + "/pid", atomically: true, encoding: .utf8)
        let status = try await platform.status(of: PlatformRunID("proc:r1/t/1"))
        #expect(status.state == .failed(message: "supervisor vanished (pid \(getpid())) without writing an exit status; see r1/t/1/supervisor.log"))
    }

    @Test func reportsAClaimWithoutPIDAsPending() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        try FileManager.default.createDirectory(atPath: fixture.attemptDirectory("r1/t/1"), withIntermediateDirectories: true)
        let found = try await fixture.makePlatform().lookUp(idempotencyKey: "r1/t/1")
        #expect(found == PlatformRunStatus(runID: PlatformRunID("proc:r1/t/1"), state: .pending))
    }
}
