import BatonPlatforms
import Testing

@Suite struct SimPlatformTests {
    @Test(arguments: [
        (SimAttemptOutcome.success, PlatformRunStatus.State.succeeded(outputJSON: "{\"attempt\": 2}")),
        (.failure, .failed(message: "sim: attempt 2 failed as scripted")),
    ])
    func reportsRunningUntilTheDurationElapsesThenTheScriptedOutcome(
        outcome: SimAttemptOutcome, expected: PlatformRunStatus.State
    ) async throws {
        let clock = ManualSimClock()
        let sim = SimPlatform(clock: clock)
        let id = try await sim.submit(request("r1/extract/2", outcome: outcome, duration: .milliseconds(50)))
        #expect(id.rawValue.hasPrefix("sim-2-"))
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

    @Test func runIDsOfOneMicrosecondStayApartByKey() async throws {
        let sim = SimPlatform(clock: ManualSimClock())
        var ids: [PlatformRunID] = []
        for index in 1...3 { ids.append(try await sim.submit(request("r1/t\(index)/1"))) }
        #expect(Set(ids).count == 3)
        #expect(sim.acceptedRuns == 3)
        sim.checkInvariants()
    }

    /// Another process (or this one after a restart) has none of the runs in memory: the run ID
    /// alone says where the run is, so a resumed or second `baton run` never loses it.
    @Test(arguments: [SimAttemptOutcome.success, .failure])
    func aFreshInstanceAnswersForARunFromItsIDAlone(outcome: SimAttemptOutcome) async throws {
        let clock = ManualSimClock()
        let id = try await SimPlatform(clock: clock).submit(request("r1/extract/3", outcome: outcome, duration: .milliseconds(150)))
        let elsewhere = SimPlatform(clock: clock)
        #expect(try await elsewhere.status(of: id).state == .running)
        clock.advance(by: .milliseconds(150))
        let expected: PlatformRunStatus.State = outcome == .success
            ? .succeeded(outputJSON: "{\"attempt\": 3}") : .failed(message: "sim: attempt 3 failed as scripted")
        #expect(try await elsewhere.status(of: id).state == expected)
        #expect(elsewhere.acceptedRuns == 0)
    }

    @Test func aFreshInstanceCancelsARunItDidNotSubmit() async throws {
        let clock = ManualSimClock()
        let id = try await SimPlatform(clock: clock).submit(request("r1/long/1", duration: .seconds(10)))
        let elsewhere = SimPlatform(clock: clock)
        try await elsewhere.cancel(id)
        clock.advance(by: .seconds(20))
        #expect(try await elsewhere.status(of: id).state == .cancelled)
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
        #expect(sim.capabilities == PlatformCapabilities(canLookUpByKey: true, canCancel: true, pendingByKeyIsUnstarted: true))
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
        for bad in ["sim-9", "sim-1-zz-0-s-0000000", "sim-1-10-0-x-00000000", "db-1-10-0-s-00000000"] {
            await #expect(throws: PlatformError.notFound("sim: status of unknown run \(bad)")) {
                try await sim.status(of: PlatformRunID(bad))
            }
            await #expect(throws: PlatformError.notFound("sim: cancel of unknown run \(bad)")) {
                try await sim.cancel(PlatformRunID(bad))
            }
        }
    }
}
