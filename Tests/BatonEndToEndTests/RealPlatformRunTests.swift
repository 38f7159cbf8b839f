import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `baton run` of a workflow that triggers a DAG on a real Airflow 3 and Ray jobs on a real Ray
/// cluster (`make integration`), passing the DAG's return value to a Ray job, SIGKILLed while it
/// dispatches and resumed: Airflow holds one DAG run and Ray one job per idempotency key, the
/// downstream job got its upstream's output, the run succeeded, and the Airflow password is
/// nowhere in the data directory or any output.
@Suite(.enabled(if: IntegrationServers.enabled, "the real servers run under make integration"))
struct RealPlatformRunTests {
    static let kills = 4

    @Test func aRunKilledWhileDispatchingLeavesOneDagRunAndOneRayJobPerKey() async throws {
        let server = try await IntegrationServers.ray.value
        let airflow = try await IntegrationServers.airflow.value
        let dir = TemporaryDirectory("real-run")
        defer { dir.remove() }
        let runID = "real-\(UUID().uuidString.prefix(8))"
        let connections = """
            connections:
              ray: { platform: ray, url: "http://127.0.0.1:\(server.port)", max_in_flight: 2 }
              af: { platform: airflow, url: "http://127.0.0.1:\(airflow.port)", username: baton, password: "{{ secrets.af }}" }

            """
        let workflow = """
            name: real_chain
            defaults: { connection: ray }
            tasks:
              extract: { connection: af, job: { dag_id: baton_extract, conf: { rows: "11" } } }
              side: { job: { entrypoint: "echo side" } }
              load:
                after: [extract]
                job: { entrypoint: "test {{ tasks.extract.output.rows }} = 11", metadata: { rows: "{{ tasks.extract.output.rows }}" } }

            """
        try connections.write(toFile: dir.appending("connections.yaml"), atomically: true, encoding: .utf8)
        try workflow.write(toFile: dir.appending("w.yaml"), atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let arguments = ["run", dir.appending("w.yaml"), "--data", data, "--connections", dir.appending("connections.yaml"), "--run-id", runID]
        let environment = ["BATON_SECRET_af": IntegrationServers.airflowPassword]
        var outputs = ""
        var killed = 0
        var last: Int32 = -1
        for launch in 0..<50 {
            let child = try BatonProcess.start(arguments, environment: environment)
            if killed < Self.kills {
                // Early kills land around the first dispatches; later ones while jobs run.
                let deadline = ContinuousClock.now + .milliseconds(200 + 400 * launch)
                while child.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
                if child.isRunning {
                    child.kill()
                    killed += 1
                    outputs += child.stderr
                    continue
                }
            }
            last = await child.exitCode
            outputs += child.stderr
            #expect(last == 0, "launch \(launch): \(child.stderr.suffix(1_500))")
            break
        }
        #expect(last == 0)
        // Each launch lives at most 1.4 s and the run takes longer (Ray starts each driver in seconds).
        #expect(killed == Self.kills)
        let (listing, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/api/jobs/")!)
        let jobs = ((try JSONSerialization.jsonObject(with: listing) as? [[String: Any]]) ?? []).compactMap { $0["metadata"] as? [String: String] }
        let keys = jobs.compactMap { $0["baton_key"] }.filter { $0.hasPrefix(runID + "/") }
        #expect(keys.sorted() == ["\(runID)/load/1", "\(runID)/side/1"], "Ray holds \(keys.sorted()) after \(killed) kills")
        #expect(jobs.first { $0["baton_key"] == "\(runID)/load/1" }?["rows"] == "11")
        // Airflow: the DAG runs whose note names this run, counted by Airflow itself.
        let notes = try await Self.dagRunNotes(airflow, dag: "baton_extract").filter { $0.hasPrefix("baton \(runID)/") }
        #expect(notes == ["baton \(runID)/extract/1"], "Airflow holds \(notes)")
        for arguments in [["replay", "--data", data, "--json"], ["status", runID, "--data", data, "--json"]] {
            let output = try await BatonProcess.run(arguments)
            outputs += output.stdout + output.stderr
        }
        #expect(!outputs.contains(IntegrationServers.airflowPassword))
        let enumerator = FileManager.default.enumerator(atPath: data)
        while let file = enumerator?.nextObject() as? String {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + file) else { continue }
            #expect(bytes.range(of: Data(IntegrationServers.airflowPassword.utf8)) == nil, "the Airflow password reached \(file)")
        }
    }

    /// The notes of every run of `dag`, read with a login of its own.
    static func dagRunNotes(_ airflow: LoopbackServer, dag: String) async throws -> [String] {
        var login = URLRequest(url: URL(string: "http://127.0.0.1:\(airflow.port)/auth/token")!)
        login.httpMethod = "POST"
        login.setValue("application/json", forHTTPHeaderField: "Content-Type")
        login.httpBody = try JSONSerialization.data(withJSONObject: ["username": "baton", "password": IntegrationServers.airflowPassword])
        let (tokenData, _) = try await URLSession.shared.data(for: login)
        let token = (try JSONSerialization.jsonObject(with: tokenData) as? [String: Any])?["access_token"] as? String ?? ""
        var list = URLRequest(url: URL(string: "http://127.0.0.1:\(airflow.port)/api/v2/dags/\(dag)/dagRuns?limit=100")!)
        list.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: list)
        let runs = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["dag_runs"] as? [[String: Any]] ?? []
        return runs.compactMap { $0["note"] as? String }
    }
}
