import BatonEvents
import BatonModel
@testable import BatonState
import Testing

/// The decider under contention profiles, event by event on a hand-moved clock: every exceed
/// action, the queue timeout, priority with aging, weighted slots; and the state they leave
/// survives a snapshot and a rebuild of the log.
@Suite struct ContentionProfileTests {
    /// A projection fed by hand: register, create runs, decide, finish attempts.
    struct Fold {
        var state = EngineState()
        var log: [(Baton_V1_Event, Int64)] = []
        var now: Int64 = 1_000_000_000
        private var hashes = 0
        private var hashOf: [String: [UInt8]] = [:]

        mutating func apply(_ events: [Baton_V1_Event]) throws {
            for event in events {
                log.append((event, now))
                try state.apply(event, seq: UInt64(log.count), timeMicros: now)
            }
        }

        mutating func register(_ yaml: String, registry: String? = nil) throws -> Workflow {
            if let registry {
                hashes += 1
                try apply([EventFactory.connectionsRegistered(hash: [UInt8](repeating: UInt8(hashes), count: 32), definition: registry,
                                                              sourcePath: "connections.yaml", actor: "test")])
            }
            let parsed = try WorkflowLoader.parse(yaml, file: "w.yaml", registry: state.registry?.registry)
            hashes += 1
            let hash = [UInt8](repeating: UInt8(hashes), count: 32)
            try apply([EventFactory.workflowRegistered(parsed.name, hash: hash, definition: yaml, sourcePath: "w.yaml", actor: "test")])
            hashOf[parsed.name] = hash
            return parsed
        }

        mutating func createRun(_ id: String, _ workflow: String) throws {
            guard let hash = hashOf[workflow] else { throw Problem("\(workflow) not registered") }
            try apply([EventFactory.runCreated(id, workflow: workflow, hash: hash, params: [:], logicalDate: 0, trigger: .manual, actor: "test")])
        }

        /// Decides until nothing more is owed (as a commit does); returns every event decided.
        @discardableResult
        mutating func decide(claims: Bool = true) throws -> [Baton_V1_Event] {
            var all: [Baton_V1_Event] = []
            for _ in 0..<8 {
                let events = Decider.decide(state, DecisionContext(now: now, dispatcherID: claims ? "d" : nil, leaseMicros: 3_600_000_000))
                if events.isEmpty { break }
                try apply(events)
                all += events
            }
            return all
        }

        mutating func dispatch(_ run: String, _ task: String) throws {
            let attempt = try record(run, task).attempt
            try apply([EventFactory.taskDispatched(run, task, attempt: attempt, connection: "c", platformRunID: "p-\(task)")])
        }

        mutating func succeed(_ run: String, _ task: String) throws {
            let attempt = try record(run, task).attempt
            try apply([EventFactory.taskSucceeded(run, task, attempt: attempt, outputJSON: "")])
        }

        func record(_ run: String, _ task: String) throws -> TaskRecord {
            guard let run = state.runs[run], let index = run.graph.index(named: task) else { throw Problem("no task \(task)") }
            return run.tasks[index.rawValue]
        }

        func status(_ run: String, _ task: String) -> TaskStatus? { try? record(run, task).status }

        /// Tasks in `statuses`, by name, across runs ("run/task").
        func tasks(_ statuses: TaskStatus...) -> [String] {
            state.runs.values.flatMap { run in
                run.tasks.indices.filter { statuses.contains(run.tasks[$0].status) }.map { "\(run.id)/\(run.graph.names[$0])" }
            }.sorted()
        }

        /// The claims in the log, in order ("run/task").
        var claimOrder: [String] {
            log.compactMap { event, _ in
                if case .taskClaimed(let e) = event.body { return "\(event.runID)/\(e.task)" }
                return nil
            }
        }

        func decisions(_ kind: Baton_V1_ContentionDecision) -> [Baton_V1_ContentionDecided] {
            log.compactMap { event, _ in
                if case .contentionDecided(let e) = event.body, e.decision == kind { return e }
                return nil
            }
        }

        /// A rebuild of the log and a snapshot round trip both give the live state.
        func checkRebuilds() throws {
            var rebuilt = EngineState()
            for (index, (event, time)) in log.enumerated() { try rebuilt.apply(event, seq: UInt64(index + 1), timeMicros: time) }
            #expect(rebuilt == state)
            #expect(try SnapshotCodec.decode(SnapshotCodec.encode(state)) == state)
        }
    }

    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static func workflow(_ name: String = "w", connection: String, tasks: [String]) -> String {
        "name: \(name)\nconnections:\n  c: \(connection)\ndefaults: { connection: c }\ntasks:\n" + tasks.map { "  \($0)\n" }.joined()
    }

    @Test func aFullQueueHoldsNewcomersInOrderAndAdmitsThemAsRoomFrees() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { max: 2 } }",
                                            tasks: (0..<5).map { "t\($0): {}" }))
        try fold.createRun("r", "w")
        try fold.decide()
        // t0 claimed (still waiting for the platform) and t1 queued fill the bound of 2.
        #expect(fold.tasks(.claimed) == ["r/t0"])
        #expect(fold.tasks(.queued) == ["r/t1"])
        #expect(fold.tasks(.held) == ["r/t2", "r/t3", "r/t4"])
        let held = fold.decisions(.held)
        #expect(held.map(\.task) == ["t2", "t3", "t4"] && held.allSatisfy { $0.queueDepth == 2 && $0.queueMax == 2 && $0.connection == "c" })
        #expect(fold.state.connections["c"]?.waiting == 2 && fold.state.connections["c"]?.heldDepth == 3)

        // The platform accepting t0 frees one place in the queue: the first held task takes it.
        try fold.dispatch("r", "t0")
        try fold.decide()
        #expect(fold.tasks(.queued) == ["r/t1", "r/t2"] && fold.tasks(.held) == ["r/t3", "r/t4"])
        fold.now += 1_000_000
        try fold.succeed("r", "t0")
        try fold.decide()
        #expect(fold.tasks(.claimed) == ["r/t1"] && fold.tasks(.queued) == ["r/t2"] && fold.tasks(.held) == ["r/t3", "r/t4"])
        try fold.checkRebuilds()
        // Held tasks keep their wait time from when they were held.
        #expect(try fold.record("r", "t2").queuedAtMicros == 1_000_000_000)
    }

    @Test func rejectFailsTheNewcomerWithItsNumbersAndItsRetryPolicyBringsItBack() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { max: 1, on_full: reject } }",
                                            tasks: ["a: {}", "b: { retry: { attempts: 2, delay: 1m } }"]))
        try fold.createRun("r", "w")
        try fold.decide()
        #expect(fold.status("r", "a") == .claimed)
        #expect(fold.status("r", "b") == .retryWait)
        let rejected = fold.decisions(.rejected)
        #expect(rejected.count == 1 && rejected[0].task == "b" && rejected[0].attempt == 1 && rejected[0].queueDepth == 1 && rejected[0].queueMax == 1)
        let failure = try fold.record("r", "b").lastFailure
        #expect(failure?.errorClass == "rejected" && failure?.retryable == true && failure?.message.contains("1 of 1 waiting") == true)

        // Its retry falls due once a has been accepted and finished: the second attempt is admitted.
        try fold.dispatch("r", "a")
        try fold.succeed("r", "a")
        fold.now += 120_000_000
        try fold.decide()
        let attempt = try fold.record("r", "b").attempt
        #expect(fold.status("r", "b") == .claimed && attempt == 2)
        try fold.checkRebuilds()
    }

    @Test func dropOldestFailsTheTaskThatWaitedLongestAndQueuesTheNewcomer() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { max: 2, on_full: drop_oldest } }",
                                            tasks: ["busy: { duration: 1h }", "old: {}", "late: { after: [gate] }", "gate: { connection: sim }"]))
        try fold.createRun("r", "w")
        try fold.decide()
        // busy is claimed, old queued: the queue holds its bound of 2.
        #expect(fold.status("r", "busy") == .claimed && fold.status("r", "old") == .queued)
        fold.now += 90_000_000
        try fold.dispatch("r", "gate")
        try fold.succeed("r", "gate")
        try fold.decide()
        // late arrives at a full queue: busy is only claimed, so old is the one to drop.
        #expect(fold.status("r", "old") == .failed && fold.status("r", "late") == .queued)
        let dropped = fold.decisions(.dropped)
        #expect(dropped.count == 1 && dropped[0].task == "old" && dropped[0].waitedMs == 90_000 && dropped[0].queueDepth == 2)
        #expect(try fold.record("r", "old").lastFailure?.errorClass == "dropped")
        #expect(fold.state.connections["c"]?.waiting == 2)
        try fold.checkRebuilds()
    }

    @Test func dropOldestInOneBurstKeepsTheNewestTasks() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { max: 2, on_full: drop_oldest } }",
                                            tasks: (0..<5).map { "t\($0): {}" }))
        try fold.createRun("r", "w")
        try fold.decide(claims: false)
        #expect(fold.tasks(.queued) == ["r/t3", "r/t4"])
        #expect(fold.tasks(.failed) == ["r/t0", "r/t1", "r/t2"])
        #expect(fold.decisions(.dropped).map(\.task) == ["t0", "t1", "t2"])
        try fold.checkRebuilds()
    }

    @Test func aTaskWaitingPastTheQueueTimeoutFailsAndTheDeadlineWakesTheDecider() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { max: 1, timeout: 10m } }",
                                            tasks: ["a: { duration: 1h }", "b: {}", "c: {}"]))
        try fold.createRun("r", "w")
        try fold.decide()
        try fold.dispatch("r", "a")
        try fold.decide()
        // a runs; b queued, c held: both wait, from the start.
        #expect(fold.status("r", "b") == .queued && fold.status("r", "c") == .held)
        let start = fold.now
        #expect(Decider.nextDeadline(fold.state, now: fold.now) == start + 600_000_000)
        fold.now = start + 599_999_999
        #expect(try fold.decide().isEmpty)
        fold.now = start + 600_000_000
        try fold.decide()
        #expect(fold.status("r", "b") == .failed && fold.status("r", "c") == .failed)
        let timedOut = fold.decisions(.queueTimedOut)
        #expect(timedOut.map(\.task).sorted() == ["b", "c"] && timedOut.allSatisfy { $0.waitedMs == 600_000 && $0.timeoutMs == 600_000 })
        #expect(try fold.record("r", "b").lastFailure?.errorClass == "queue_timeout")
        #expect(fold.state.connections["c"]?.queueDepth == 0 && fold.state.connections["c"]?.heldDepth == 0)
        try fold.checkRebuilds()
    }

    @Test func strictPriorityClaimsHighestFirstAndFirstComeFirstServedAmongEquals() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { aging: off } }",
                                            tasks: ["p0: {}", "p5a: { priority: 5 }", "p5b: { priority: 5 }", "p1: { priority: 1 }",
                                                    "neg: { priority: -3 }"]))
        try fold.createRun("r", "w")
        try fold.decide()
        for _ in 0..<6 {
            guard let claimed = fold.tasks(.claimed).first else { break }
            let task = String(claimed.dropFirst(2))
            try fold.dispatch("r", task)
            fold.now += 3_600_000_000
            try fold.succeed("r", task)
            try fold.decide()
        }
        #expect(fold.claimOrder == ["r/p5a", "r/p5b", "r/p1", "r/p0", "r/neg"])
        #expect(fold.decisions(.promoted).isEmpty, "strict priority promotes nothing")
    }

    /// One slot, a priority-0 task waiting, and a priority-10 task arriving every minute as one
    /// finishes. Aging of 1m gives the low task one point a minute: it is claimed after 10
    /// minutes, when the newcomers' head start of 10 points is used up. Without aging it starves.
    @Test(arguments: [true, false])
    func agingBoundsTheWaitOfLowPriorityUnderAStreamOfHighPriority(aging: Bool) throws {
        var fold = Fold()
        let connection = "{ platform: sim, max_in_flight: 1, queue: { aging: \(aging ? "1m" : "off") } }"
        _ = try fold.register(Self.workflow("low", connection: connection, tasks: ["t: {}"]))
        _ = try fold.register(Self.workflow("high", connection: connection, tasks: ["t: { priority: 10 }"]))
        try fold.createRun("h0", "high")
        try fold.decide()
        try fold.dispatch("h0", "t")
        try fold.createRun("low", "low")
        try fold.decide()
        let start = fold.now
        var running = "h0"
        var lowClaimedAt: Int64?
        for minute in 1...30 {
            fold.now = start + Int64(minute) * 60_000_000
            // The newcomer is queued while the slot is still taken; then the slot frees.
            try fold.createRun("h\(minute)", "high")
            try fold.decide()
            try fold.succeed(running, "t")
            try fold.decide()
            guard let claimed = fold.tasks(.claimed).first else { break }
            running = String(claimed.prefix { $0 != "/" })
            try fold.dispatch(running, "t")
            if running == "low" { lowClaimedAt = fold.now; break }
        }
        if aging {
            #expect(lowClaimedAt == start + 600_000_000, "the wait is bounded by the priority gap times the aging step")
            let promoted = fold.decisions(.promoted)
            #expect(promoted.count == 1 && promoted[0].priority == 0 && promoted[0].effectivePriority == 10
                    && promoted[0].passedPriority == 10 && promoted[0].waitedMs == 600_000)
        } else {
            #expect(lowClaimedAt == nil, "strict priority lets a stream of higher priority starve it")
        }
        try fold.checkRebuilds()
    }

    @Test func slotsWeighTheLimitAndTheHeadWaitsForRoomInsteadOfBeingOvertaken() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 4, queue: { aging: off } }",
                                            tasks: ["heavy: { slots: 3, priority: 9 }", "big: { slots: 2, priority: 5 }", "l1: {}", "l2: {}"]))
        try fold.createRun("r", "w")
        try fold.decide()
        // heavy takes 3 of 4; big (2) does not fit and the 1-slot tasks behind it do not overtake it.
        #expect(fold.tasks(.claimed) == ["r/heavy"] && fold.state.connections["c"]?.inFlight == 3)
        try fold.dispatch("r", "heavy")
        try fold.succeed("r", "heavy")
        try fold.decide()
        #expect(fold.tasks(.claimed) == ["r/big", "r/l1", "r/l2"] && fold.state.connections["c"]?.inFlight == 4)
        try fold.checkRebuilds()
    }

    @Test func aLimitLoweredUnderATaskRejectsItAtItsClaimNamingBothNumbers() throws {
        var fold = Fold()
        let registry = { (max: Int) in "connections:\n  c: { platform: sim, max_in_flight: \(max) }\n" }
        _ = try fold.register("name: w\ndefaults: { connection: c }\ntasks:\n  wide: { slots: 3 }\n", registry: registry(4))
        try fold.apply([EventFactory.connectionsRegistered(hash: [UInt8](repeating: 99, count: 32), definition: registry(2),
                                                           sourcePath: "connections.yaml", actor: "test")])
        try fold.createRun("r", "w")
        try fold.decide()
        #expect(fold.status("r", "wide") == .failed)
        let rejected = fold.decisions(.rejected)
        #expect(rejected.count == 1 && rejected[0].slots == 3 && rejected[0].maxInFlight == 2)
        let failure = try fold.record("r", "wide").lastFailure
        #expect(failure?.errorClass == "rejected" && failure?.retryable == false && failure?.message.contains("max_in_flight: 2") == true)
    }

    @Test func aCancelledRunLeavesNeitherQueueNorHeldList() throws {
        var fold = Fold()
        _ = try fold.register(Self.workflow(connection: "{ platform: sim, max_in_flight: 1, queue: { max: 1 } }",
                                            tasks: (0..<4).map { "t\($0): {}" }))
        try fold.createRun("r", "w")
        try fold.decide()
        #expect(fold.tasks(.held).count == 3)
        try fold.apply([EventFactory.runCancelRequested("r", reason: "test", actor: "test")])
        try fold.dispatch("r", "t0")
        try fold.decide()
        #expect(fold.state.connections["c"]?.queueDepth == 0 && fold.state.connections["c"]?.heldDepth == 0)
        #expect(fold.tasks(.held, .queued).isEmpty)
        try fold.checkRebuilds()
    }
}
