import BatonPlatforms
import BatonTestSupport
import Foundation
import Testing

/// The checks every remote adapter passes against its loopback fake or real server, written once.
enum AdapterConformance {
    /// Polls until the run is terminal, bounded by work (`rounds` reads `pause` apart), not by time.
    static func finish(_ platform: any Platform, _ run: PlatformRunID, rounds: Int = 2_000, pause: Duration = .milliseconds(50)) async throws -> PlatformRunStatus {
        for _ in 0..<rounds {
            let status = try await platform.status(of: run)
            if status.isTerminal { return status }
            try await Task.sleep(for: pause)
        }
        throw PlatformError.transient("run \(run) never ended")
    }

    /// A fake scripted to answer the first status read of `request`'s run with 429: the adapter
    /// reports it as throttled with the pause it was given, and every request after it waits that
    /// pause out (the fake's ledger counts none inside it).
    static func throttleHoldsTheConnection(_ platform: any Platform, _ server: LoopbackServer, _ request: SubmitRequest) async throws {
        let run = try await platform.submit(request)
        do {
            _ = try await platform.status(of: run)
            Issue.record("the 429 was not reported")
        } catch {
            // How much of the pause is left when it is read depends on the machine's speed; that no
            // request lands inside it is checked on the fake's ledger below.
            guard case .throttled(let after, _) = error, let after, after <= .seconds(3) else { Issue.record("a 429 is \(error)"); return }
        }
        #expect(try await finish(platform, run).isTerminal)
        _ = try await platform.submit(SubmitRequest(idempotencyKey: request.idempotencyKey + "-after", runID: request.runID, taskID: request.taskID,
                                                    attempt: request.attempt, job: request.job))
        let stats = try await server.json("/_fake/stats")
        #expect(stats["throttles"] as? Int == 1, "\(stats)")
        #expect(stats["violations"] as? Int == 0, "requests inside the pause: \(stats)")
    }
}
