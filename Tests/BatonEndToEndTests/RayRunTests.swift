import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `baton run` of a workflow of Ray jobs on a real Ray cluster (`make integration`), SIGKILLed
/// while it dispatches and resumed: Ray holds exactly one job per idempotency key, the
/// downstream job got its upstream's output, and the run succeeded.
@Suite(.enabled(if: IntegrationServers.enabled, "the real Ray cluster runs under make integration"))
struct RayRunTests {
    static let kills = 4

    @Test func aRunKilledWhileDispatchingLeavesOneRayJobPerKey() async throws {
        let server = try await IntegrationServers.ray.value
        let dir = TemporaryDirectory("ray-run")
        defer { dir.remove() }
        let runID = "ray-\(UUID().uuidString.prefix(8))"
        let printer = #"python -c 'import json; print(\"BATON_OUTPUT \" + json.dumps({\"rows\": 11}))'"#
        let workflow = """
            name: ray_chain
            connections:
              ray: { platform: ray, max_in_flight: 2, settings: { url: "http://127.0.0.1:\(server.port)" } }
            defaults: { connection: ray }
            tasks:
              extract: { job: { entrypoint: "\(printer)" } }
              side: { job: { entrypoint: "echo side" } }
              load:
                after: [extract]
                job: { entrypoint: "test {{ tasks.extract.output.rows }} = 11", metadata: { rows: "{{ tasks.extract.output.rows }}" } }

            """
        try workflow.write(toFile: dir.appending("w.yaml"), atomically: true, encoding: .utf8)
        let arguments = ["run", dir.appending("w.yaml"), "--data", dir.appending("data"), "--run-id", runID]
        var killed = 0
        var last: Int32 = -1
        for launch in 0..<50 {
            let child = try BatonProcess.start(arguments)
            if killed < Self.kills {
                // Early kills land around the first dispatches; later ones while jobs run.
                let deadline = ContinuousClock.now + .milliseconds(200 + 400 * launch)
                while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                if child.isRunning {
                    child.kill()
                    killed += 1
                    continue
                }
            }
            last = await child.exitCode
            #expect(last == 0, "launch \(launch): \(child.stderr.suffix(1_500))")
            break
        }
        #expect(last == 0)
        // Each launch lives at most 1.4 s and the run takes longer (Ray starts each driver in seconds).
        #expect(killed == Self.kills)
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/api/jobs/")!)
        let jobs = ((try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []).compactMap { $0["metadata"] as? [String: String] }
        let keys = jobs.compactMap { $0["baton_key"] }.filter { $0.hasPrefix(runID + "/") }
        #expect(keys.sorted() == ["\(runID)/extract/1", "\(runID)/load/1", "\(runID)/side/1"], "Ray holds \(keys.sorted()) after \(killed) kills")
        #expect(jobs.first { $0["baton_key"] == "\(runID)/load/1" }?["rows"] == "11")
    }
}
