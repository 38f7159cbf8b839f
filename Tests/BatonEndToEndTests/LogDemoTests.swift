import BatonTestSupport
import Foundation
import Testing

/// Runs the real `baton` binary.
@Suite struct LogDemoTests {
    @Test func logDemoAppendsAndVerifiesTwice() async throws {
        let dir = TemporaryDirectory("e2e-demo")
        defer { dir.remove() }
        let first = try await BatonProcess.run(["log-demo", "--data", dir.path, "--tasks", "3"])
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("appended 11 events (seq 1...11)"))
        #expect(first.stdout.contains("verified 11 events, chain intact"))
        let second = try await BatonProcess.run(["log-demo", "--data", dir.path, "--tasks", "3"])
        #expect(second.stdout.contains("appended 11 events (seq 12...22)"))
        #expect(second.stdout.contains("verified 22 events, chain intact"))
    }
}
