import BatonTestSupport
import Foundation
import Testing

/// The whole engine under seeded faults and crashes: 2,000 seeds per test run (in chunks that run
/// in parallel). A failing seed names itself; add it to `regressions` to keep it.
@Suite struct SimulationTests {
    static let seedsPerChunk: UInt64 = 100
    static let chunks: [UInt64] = Array(0..<20)

    @Test(arguments: chunks)
    func seedsFinishWithExactStatesAndHeldLimits(chunk: UInt64) async throws {
        for seed in (chunk * Self.seedsPerChunk)..<((chunk + 1) * Self.seedsPerChunk) {
            do {
                _ = try await Simulation(seed: seed).run()
            } catch {
                Issue.record("\(error)")
                return
            }
        }
    }

    /// Seeds that once failed, replayed exactly: 406, 1008 and 1102 left a task claimed forever
    /// when a throttled submit released its claim and the same attempt was claimed again.
    static let regressions: [UInt64] = [406, 1008, 1102]

    @Test(arguments: regressions)
    func regression(seed: UInt64) async throws {
        _ = try await Simulation(seed: seed).run()
    }

    /// The simulation is not vacuous: across a few seeds it crashes, reconciles, throttles,
    /// retries, skips, makes every contention decision, and ends runs both ways.
    @Test func seedsExerciseFaultsCrashesAndBothOutcomes() async throws {
        var totals = Simulation.Stats()
        for seed in UInt64(0)..<60 {
            let simulation = try Simulation(seed: seed)
            _ = try await simulation.run()
            totals.add(try simulation.stats())
        }
        #expect(totals.crashes > 0)
        #expect(totals.kinds["PlatformObserved", default: 0] > 0)
        #expect(totals.kinds["ConnectionThrottled", default: 0] > 0)
        #expect(totals.kinds["TaskRetryScheduled", default: 0] > 0)
        #expect(totals.kinds["TaskSkipped", default: 0] > 0)
        #expect(totals.kinds["TaskTimedOut", default: 0] > 0)
        #expect(totals.outcomes["succeeded", default: 0] > 0 && totals.outcomes["failed", default: 0] > 0)
        for decision in ["held", "rejected", "dropped", "queue_timed_out", "promoted"] {
            #expect(totals.kinds["ContentionDecided.\(decision)", default: 0] > 0, "no seed made a \(decision) decision")
        }
    }

    @Test func sameSeedReplaysTheSameRun() async throws {
        let first = try await Simulation(seed: 4242).run()
        let second = try await Simulation(seed: 4242).run()
        #expect(first.tasks == second.tasks)
        #expect(first.outcome == second.outcome)
    }
}
