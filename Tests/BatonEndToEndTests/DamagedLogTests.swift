import BatonTestSupport
import Foundation
import Testing

/// Readers of a damaged data file name the damage and exit; none dies of a signal.
@Suite struct DamagedLogTests {
    /// A data file of a small sim run with one flipped bit in a node's data size, so event 13's
    /// value claims 256 MiB and reaches past the end of the file: hashing it used to touch mapped
    /// pages beyond the file and every reader died of SIGBUS.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/node-length-past-end.mdb").path

    @Test(arguments: [["replay", "--verify"], ["status"], ["replay", "--json"], ["status", "--json"]])
    func aValueReachingPastTheFileIsANamedErrorNotASignal(command: [String]) async throws {
        let dir = TemporaryDirectory("damaged")
        defer { dir.remove() }
        try FileManager.default.createDirectory(atPath: dir.appending("data/log"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: dir.appending("data/log/data.mdb"))
        let result = try await BatonProcess.run(command + ["--data", dir.appending("data")])
        #expect(!result.killedBySignal, "\(command) died of signal \(result.status)")
        #expect(result.status != 0)
        #expect(result.stderr.contains("data file is damaged"), "\(result.stderr)")
        #expect(result.stderr.contains("reaching past the end of data.mdb"), "\(result.stderr)")
    }
}
