import BatonPlatforms
import Testing

@Suite struct SimPlatformTests {
    @Test(arguments: [
        (SimAttemptOutcome.success, PlatformRunStatus.State.succeeded(outputJSON: "{\"attempt\": 2}")),
        (.failure, .failed(message: "sim: attempt 2 of task extract failed as scripted")),
    ])
    func reportsRunningUntilTheDurationElapsesThenTheScriptedOutcome(
        outcome: SimAttemptOutcome, expected: PlatformRunStatus.State
    ) async throws {
        let clock = ManualSimClock()
        let sim = SimPlatform(clock: clock)
        let id = try await sim.submit(request("r1/extract/2", outcome: outcome, duration: .milliseconds(50)))
        #expect(id == PlatformRunID("sim-1"))
        #expect(try await sim.status(of: id).state == .running)
        clock.advance(by: .milliseconds(49))
        #expect(try await sim.status(of: id).state == .running)
        clock.advance(by: .milliseconds(1))
        #expect(try await sim.status(of: id).state == expected)
        sim.checkInvariants()
    }

    @Test func zeroDurationFinishesAtOnce() async throws {
        let sim = SimPlatform(clock: ManualSimClock())
        let id = try await sim.submit(request("r1/t/1"))
        #expect(try await sim.status(of: id).state == .succeeded(outputJSON: "{\"attempt\": 1}"))
    }

    @Test func allocatesRunIDsInOrder() async throws {
        let sim = SimPlatform(clock: ManualSimClock())
        var ids: [PlatformRunID] = []
        for index in 1...3 { ids.append(try await sim.submit(request("r1/t\(index)/1"))) }
        #expect(ids.map(\.rawValue) == ["sim-1", "sim-2", "sim-3"])
        #expect(sim.acceptedRuns == 3)
        sim.checkInvariants()
    }

    @Test func secondSubmitWithTheSameKeyReturnsTheSameRun() async throws {
        let clock = ManualSimClock()
        let sim = SimPlatform(clock: clock)
        let first = try await sim.submit(request("r1/t/1", duration: .seconds(1)))
        clock.advance(by: .milliseconds(10))
        let second = try await sim.submit(request("r1/t/1", duration: .seconds(1)))
        #expect(first == second)
        #expect(sim.submissions(forKey: "r1/t/1") == 1)
        #expect(sim.acceptedRuns == 1)
        #expect(sim.acceptances.map(\.acceptedAtMicros) == [clock.nowMicros() - 10_000])
        sim.checkInvariants()
    }

    @Test func looksUpByKey() async throws {
        let sim = SimPlatform(clock: ManualSimClock())
        #expect(try await sim.lookUp(idempotencyKey: "r1/t/1") == nil)
        let id = try await sim.submit(request("r1/t/1", duration: .seconds(1)))
        let found = try await sim.lookUp(idempotencyKey: "r1/t/1")
        #expect(found == PlatformRunStatus(runID: id, state: .running))
        #expect(sim.capabilities == PlatformCapabilities(canLookUpByKey: true, canCancel: true))
    }

    @Test func cancelStopsARunningRunButKeepsAFinishedOne() async throws {
        let clock = ManualSimClock()
        let sim = SimPlatform(clock: clock)
        let long = try await sim.submit(request("r1/long/1", duration: .seconds(10)))
        let done = try await sim.submit(request("r1/done/1"))
        try await sim.cancel(long)
        try await sim.cancel(done)
        clock.advance(by: .seconds(20))
        #expect(try await sim.status(of: long).state == .cancelled)
        #expect(try await sim.status(of: done).state == .succeeded(outputJSON: "{\"attempt\": 1}"))
    }

    @Test func unknownRunIsNotFound() async throws {
        let sim = SimPlatform(clock: ManualSimClock())
        await #expect(throws: PlatformError.notFound("sim: status of unknown run sim-9")) {
            try await sim.status(of: PlatformRunID("sim-9"))
        }
        await #expect(throws: PlatformError.notFound("sim: cancel of unknown run sim-9")) {
            try await sim.cancel(PlatformRunID("sim-9"))
        }
    }
}
