import BatonPlatforms
import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The Ray adapter against a real single-node Ray cluster on 127.0.0.1 (`make integration`):
/// submit twice under one key is one job, every terminal state, the output line, look-up by key,
/// stop.
@Suite(.enabled(if: IntegrationServers.enabled, "the real Ray cluster runs under make integration"))
struct RayPlatformTests {
    static func platform() async throws -> (RayPlatform, LoopbackServer) {
        let server = try await IntegrationServers.ray.value
        let connection = PlatformConnection(name: "ray", platform: "ray", settings: ["url": "http://127.0.0.1:\(server.port)"], clock: WallClock(),
                                            resolve: { reference throws(PlatformError) in throw .auth("no secret \(reference)") })
        return (try RayPlatform(connection), server)
    }

    static func request(_ key: String, _ entrypoint: String) -> SubmitRequest {
        SubmitRequest(idempotencyKey: key, runID: "r", taskID: "t", attempt: 1, job: RenderedJob(["entrypoint": .text(entrypoint)]))
    }

    /// Polls until the job is terminal, bounded by work (a job takes a few seconds on Ray).
    static func finish(_ platform: RayPlatform, _ run: PlatformRunID) async throws -> PlatformRunStatus {
        try await AdapterConformance.finish(platform, run, rounds: 1200, pause: .milliseconds(250))
    }

    /// Ray's own count of the jobs submitted under `key` (its metadata carries it).
    static func jobs(_ server: LoopbackServer, key: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/api/jobs/")!)
        let jobs = (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
        return jobs.filter { ($0["metadata"] as? [String: String])?["baton_key"] == key }.count
    }

    @Test func oneKeyIsOneJobAndItsOutputLineIsTheOutput() async throws {
        let (platform, server) = try await Self.platform()
        let key = "ray-\(UUID().uuidString.prefix(8))/load/1"
        let request = Self.request(key, #"python -c 'import json; print("BATON_OUTPUT " + json.dumps({"rows": 5}))'"#)
        let first = try await platform.submit(request)
        let second = try await platform.submit(request)
        #expect(first == second)
        #expect(try await Self.jobs(server, key: key) == 1)
        #expect(try await Self.finish(platform, first).state == .succeeded(outputJSON: #"{"rows": 5}"#))
        #expect(try await platform.lookUp(idempotencyKey: key)?.isTerminal == true)
        #expect(try await platform.logs(of: first, tailBytes: 100_000).text.contains("BATON_OUTPUT"))
        #expect(try await platform.lookUp(idempotencyKey: key + "-never") == nil)
    }

    @Test func aFailedJobNamesItsExitAndAStoppedOneIsCancelled() async throws {
        let (platform, _) = try await Self.platform()
        let tag = UUID().uuidString.prefix(8)
        let failed = try await platform.submit(Self.request("ray-\(tag)/fail/1", "exit 3"))
        guard case .failed(let message) = try await Self.finish(platform, failed).state else { Issue.record("exit 3 did not fail"); return }
        #expect(message.contains("exit code 3"))
        let long = try await platform.submit(Self.request("ray-\(tag)/long/1", "sleep 600"))
        // Stop once the driver runs (a stop before it starts may find no supervisor yet).
        for _ in 0..<1_200 where try await platform.status(of: long).state == .pending { try await Task.sleep(for: .milliseconds(250)) }
        try await platform.cancel(long)
        #expect(try await Self.finish(platform, long).state == .cancelled)
        let check = try await platform.check()
        #expect(check.contains("Ray 2."))
    }
}
