import BatonPlatforms
import Testing

@Suite struct SimFaultsTests {
    @Test func submitErrorRecordsNothing() async throws {
        let sim = SimPlatform(clock: ManualSimClock(), faults: SimFaults(submitErrorRate: 1, seed: 1))
        await #expect(throws: PlatformError.transient("sim: injected error submitting key r1/t/1")) {
            try await sim.submit(request("r1/t/1"))
        }
        #expect(sim.acceptedRuns == 0)
        #expect(sim.submissions(forKey: "r1/t/1") == 0)
    }

    @Test func throttleCarriesRetryAfterAndRecordsNothing() async throws {
        let faults = SimFaults(throttleRate: 1, throttleRetryAfter: .seconds(7), seed: 1)
        let sim = SimPlatform(clock: ManualSimClock(), faults: faults)
        await #expect(throws: PlatformError.throttled(retryAfter: .seconds(7), message: "sim: injected throttle for key r1/t/1")) {
            try await sim.submit(request("r1/t/1"))
        }
        #expect(sim.acceptedRuns == 0)
    }

    @Test func lostAnswerStillRecordsTheRunOnce() async throws {
        let sim = SimPlatform(clock: ManualSimClock(), faults: SimFaults(lostAnswerRate: 1, seed: 1))
        var lost: PlatformError?
        do {
            _ = try await sim.submit(request("r1/t/1", duration: .seconds(5)))
        } catch {
            lost = error
        }
        #expect(sim.acceptedRuns == 1)
        let found = try #require(try await sim.lookUp(idempotencyKey: "r1/t/1"))
        #expect(lost == .transient("sim: injected lost answer after accepting key r1/t/1 as \(found.runID)"))
        await #expect(throws: PlatformError.transient("sim: injected lost answer after accepting key r1/t/1 as \(found.runID)")) {
            try await sim.submit(request("r1/t/1", duration: .seconds(5)))
        }
        #expect(sim.submissions(forKey: "r1/t/1") == 1)
        sim.checkInvariants()
    }

    @Test func statusErrorFailsStatusAndLookUp() async throws {
        let sim = SimPlatform(clock: ManualSimClock(), faults: SimFaults(statusErrorRate: 1, seed: 1))
        let id = try await sim.submit(request("r1/t/1"))
        await #expect(throws: PlatformError.transient("sim: injected error reading status of \(id)")) {
            try await sim.status(of: id)
        }
        await #expect(throws: PlatformError.transient("sim: injected error looking up key r1/t/1")) {
            try await sim.lookUp(idempotencyKey: "r1/t/1")
        }
    }

    @Test func sameSeedReplaysTheSameFaultSequence() async throws {
        let faults = SimFaults(submitErrorRate: 0.2, throttleRate: 0.2, lostAnswerRate: 0.2, statusErrorRate: 0.3, seed: 42)
        let first = await trace(faults)
        #expect(first == (await trace(faults)))
        var other = faults
        other.seed = 43
        #expect(first != (await trace(other)))
        #expect(first.contains { $0.hasPrefix("transient") } && first.contains { $0.hasPrefix("throttled") })
    }

    /// Every answer of a fixed call sequence, errors included.
    private func trace(_ faults: SimFaults) async -> [String] {
        let sim = SimPlatform(clock: ManualSimClock(), faults: faults)
        var answers: [String] = []
        for index in 0..<60 {
            do {
                let id = try await sim.submit(request("r1/t\(index % 20)/1"))
                answers.append("ok \(id)")
                answers.append("status \(try await sim.status(of: id).state)")
            } catch {
                answers.append(error.description)
            }
        }
        sim.checkInvariants()
        return answers
    }
}
