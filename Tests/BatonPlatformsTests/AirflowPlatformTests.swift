import BatonPlatforms
import BatonTestSupport
import Foundation
import Testing

/// The Airflow adapter against a real Airflow 3 on 127.0.0.1 (`make integration`): one key is
/// one DAG run (409 adopted), the return value as output, a failed run names its task, a paused
/// DAG is reported, cancel marks the run failed, a refused JWT is fetched again.
@Suite(.enabled(if: IntegrationServers.enabled, "the real Airflow runs under make integration"), .serialized)
struct AirflowPlatformTests {
    /// Submits as the engine does for a platform that deduplicates by key: an answer that is
    /// transient (Airflow on SQLite answers 500 when its database is busy) is sent again with the
    /// same key, which cannot start a second run.
    static func submit(_ platform: AirflowPlatform, _ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        for _ in 0..<5 {
            do {
                return try await platform.submit(request)
            } catch .transient {
                try? await Task.sleep(for: .seconds(2))
            }
        }
        return try await platform.submit(request)
    }

    static func platform(password: String = "{{ secrets.af }}", notices: Notices? = nil) async throws -> (AirflowPlatform, LoopbackServer) {
        let server = try await IntegrationServers.airflow.value
        let connection = PlatformConnection(name: "af", platform: "airflow",
                                            settings: ["url": "http://127.0.0.1:\(server.port)", "username": "baton", "password": password],
                                            clock: WallClock(), notice: { notices?.add($0) },
                                            resolve: { reference throws(PlatformError) in
                                                guard reference == "{{ secrets.af }}" else { return "wrong-password" }
                                                return IntegrationServers.airflowPassword
                                            })
        return (try AirflowPlatform(connection), server)
    }

    static func request(_ key: String, _ job: [String: RenderedJob.Value]) -> SubmitRequest {
        SubmitRequest(idempotencyKey: key, runID: "r", taskID: "t", attempt: 1, job: RenderedJob(job))
    }

    static func finish(_ platform: AirflowPlatform, _ run: PlatformRunID) async throws -> PlatformRunStatus {
        try await AdapterConformance.finish(platform, run, rounds: 2400, pause: .milliseconds(250))
    }

    @Test func oneKeyIsOneDagRunAndItsReturnValueIsTheOutput() async throws {
        let (platform, _) = try await Self.platform()
        let key = "af-\(UUID().uuidString.prefix(8))/extract/1"
        let request = Self.request(key, ["dag_id": .text("baton_extract"), "conf": .map(["rows": "9", "day": "2026-12-01"])])
        let first = try await Self.submit(platform, request)
        let second = try await Self.submit(platform, request)  // 409 from Airflow: adopted
        #expect(first == second)
        #expect(first.rawValue.hasPrefix("baton_extract/baton__"))
        #expect(try await Self.finish(platform, first).state == .succeeded(outputJSON: #"{"day":"2026-12-01","rows":9}"#))
    }

    @Test func aFailedRunNamesItsTaskAndACancelledRunEndsFailed() async throws {
        let (platform, _) = try await Self.platform()
        let tag = UUID().uuidString.prefix(8)
        let failed = try await Self.submit(platform, Self.request("af-\(tag)/fail/1", ["dag_id": .text("baton_fail")]))
        guard case .failed(let message) = try await Self.finish(platform, failed).state else { Issue.record("baton_fail did not fail"); return }
        #expect(message.contains("explode (failed)"))
        let log = try await platform.logs(of: failed, tailBytes: 200_000)
        #expect(log.text.contains("the source table is missing"), "\(log.text.suffix(2_000))")
        #expect(log.link?.contains("/dags/baton_fail/runs/") == true)
        let long = try await Self.submit(platform, Self.request("af-\(tag)/sleep/1", ["dag_id": .text("baton_sleep")]))
        for _ in 0..<2_400 where try await platform.status(of: long).state == .pending { try await Task.sleep(for: .milliseconds(250)) }
        try await platform.cancel(long)
        guard case .failed = try await Self.finish(platform, long).state else { Issue.record("a cancelled DAG run did not end failed"); return }
    }

    @Test func aPausedDagIsReportedAndAWrongPasswordIsAuth() async throws {
        let notices = Notices()
        let (platform, _) = try await Self.platform(notices: notices)
        let queued = try await Self.submit(platform, Self.request("af-\(UUID().uuidString.prefix(8))/paused/1", ["dag_id": .text("baton_paused")]))
        for _ in 0..<3 { #expect(try await platform.status(of: queued).state == PlatformRunStatus.State.pending) }
        #expect(notices.all.count == 1)
        #expect(notices.all.first?.contains("baton_paused is paused") == true)
        let check = try await platform.check()
        #expect(check.contains("baton_paused") && !check.contains(IntegrationServers.airflowPassword))
        let (wrong, _) = try await Self.platform(password: "{{ secrets.other }}")
        do {
            _ = try await wrong.check()
            Issue.record("a wrong password passed")
        } catch {
            guard case .auth(let message) = error else { Issue.record("a wrong password is \(error)"); return }
            #expect(!message.contains("wrong-password"))
        }
        do {
            _ = try await Self.submit(platform, Self.request("af-x/none/1", ["dag_id": .text("no_such_dag")]))
            Issue.record("a missing DAG was accepted")
        } catch {
            guard case .notFound = error else { Issue.record("a missing DAG is \(error)"); return }
        }
    }
}
