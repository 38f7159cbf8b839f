@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
@testable import BatonState
import BatonTestSupport
import Foundation

/// One seeded run of the whole engine against the sim platform with injected faults and crashes.
/// Effects run one at a time in an order drawn from the seed, so a seed replays exactly.
final class Simulation {
    /// What went wrong, with the seed that replays it.
    struct Failure: Error, CustomStringConvertible {
        let seed: UInt64
        let step: Int
        let reason: String
        var description: String { "seed \(seed) step \(step): \(reason)  (replay: Simulation(seed: \(seed)).run())" }
    }

    static let stepsMax = 4_000
    static let crashesMax = 3

    let seed: UInt64
    private var rng: SeededGenerator
    private let dir: String
    private let clock = SimulatedClock()
    private let platform: SimPlatform
    private var log: EventLog
    private var runtime: Runtime
    private var inbox = Inbox()
    private var planner: EffectPlanner
    private var pending: [Effect] = []
    private var shadow = EngineState()
    private var crashes = 0
    private var step = 0
    let workflow: Workflow

    init(seed: UInt64) throws {
        self.seed = seed
        rng = SeededGenerator(seed: seed)
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        dir = base + "baton-sim-\(seed)-\(UInt32.random(in: 0...UInt32.max))"
        let faulty = seed % 2 == 0
        platform = SimPlatform(clock: clock, faults: faulty ? SimFaults(submitErrorRate: 0.1, throttleRate: 0.1, lostAnswerRate: 0.1,
                                                                        statusErrorRate: 0.1, seed: seed) : .none)
        workflow = try WorkflowLoader.parse(RandomWorkflow.yaml(using: &rng), file: "sim-\(seed).yaml")
        log = try EventLog(directory: dir, clock: clock)
        runtime = Runtime(log: log, platforms: PlatformSet(["sim": platform]), clock: clock, options: Self.options("sim-0"))
        planner = EffectPlanner(dispatcherID: "sim-0")
    }

    deinit {
        log.close()
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The runtime's options: no call timeout, since this clock jumps forward when slept on and a
    /// timeout would race every platform call (and win it, at random, on a loaded machine).
    static func options(_ dispatcher: String) -> RuntimeOptions {
        RuntimeOptions(dispatcherID: dispatcher, callTimeout: nil)
    }

    /// Drives the run to its end, checking invariants after every step.
    func run() async throws -> RunState {
        _ = try await runtime.createRun(workflow, runID: "r", params: [:], logicalDateMicros: clock.nowMicros(), sourcePath: "sim", actor: "sim")
        while step < Self.stepsMax {
            step += 1
            let result = try await runtime.commitStep(inbox.take())
            try checkStep()
            let state = runtime.state
            if let run = state.runs["r"], run.outcome != nil {
                try checkEnd(run)
                return run
            }
            pending += planner.effects(after: result.events, state, runtime: runtime)
            pending += planner.orphans(state, now: clock.nowMicros(), runtime: runtime)
            try await next(state)
        }
        let run = runtime.state.runs["r"]
        let tasks = run.map { r in r.tasks.indices.map { "\(r.graph.names[$0])=\(r.tasks[$0].status.rawValue)/\(r.tasks[$0].attempt)" }.joined(separator: " ") } ?? "no run"
        let queues = runtime.state.connections.map { "\($0.key): inFlight \($0.value.inFlight) pending \($0.value.pendingClaims) queue \($0.value.queueDepth) held \($0.value.heldDepth) throttled \($0.value.throttledUntilMicros - clock.nowMicros())" }
        throw failure("the run did not finish within \(Self.stepsMax) steps: \(tasks); \(queues); effects \(pending.count); crashes \(crashes)")
    }

    /// Picks the next thing to happen: an effect, a crash, or time passing.
    private func next(_ state: EngineState) async throws {
        let roll = Int.random(in: 0..<100, using: &rng)
        if roll < 3 && crashes < Self.crashesMax {
            return try crash()
        }
        if !pending.isEmpty && roll < 90 {
            let effect = pending.remove(at: Int.random(in: 0..<pending.count, using: &rng))
            return try await runtime.perform(effect, inbox: inbox)
        }
        if !inbox.hasPending, let deadline = Decider.nextDeadline(state, now: clock.nowMicros()) {
            clock.advance(to: deadline)
        } else if pending.isEmpty && !inbox.hasPending {
            clock.advance(to: clock.nowMicros() + 1_000_000)
        }
    }

    /// Throws away all memory (projection, inbox, effects in flight) and reopens the log.
    private func crash() throws {
        crashes += 1
        log.close()
        log = try EventLog(directory: dir, clock: clock)
        runtime = Runtime(log: log, platforms: PlatformSet(["sim": platform]), clock: clock,
                          options: Self.options("sim-\(crashes)"))
        try runtime.recover()
        inbox = Inbox()
        pending = []
        planner = EffectPlanner(dispatcherID: "sim-\(crashes)")
        pending = planner.reconciliation(runtime.state, runtime: runtime)
    }

    private func checkStep() throws {
        // The in-memory projection equals the fold of the log.
        let head = try log.head()
        try log.forEach(from: shadow.lastSeq + 1, through: head) { record in
            try shadow.apply(EventCodec.decode(record.payload, seq: record.seq), seq: record.seq, timeMicros: record.timeMicros)
        }
        let state = runtime.state
        guard state == shadow else { throw failure("projection differs from a rebuild of the log at seq \(head)") }
        // A snapshot restores exactly the state it was taken of.
        if step % 7 == 0 {
            let restored = try SnapshotCodec.decode(SnapshotCodec.encode(state))
            guard restored == state else {
                throw failure("snapshot at seq \(head) does not restore the same projection: \(Self.difference(restored, state))")
            }
        } else if step % 7 == 3 {
            // Snapshots of earlier builds (one message per task instead of columns) still restore exactly.
            let restored = try SnapshotCodec.decode(Self.legacySnapshot(state))
            guard restored == state else {
                throw failure("per-task snapshot at seq \(head) does not restore the same projection: \(Self.difference(restored, state))")
            }
        }
        for (name, connection) in state.connections {
            try checkContention(state, name, connection)
        }
        for acceptance in platform.acceptances where platform.submissions(forKey: acceptance.idempotencyKey) > 1 {
            throw failure("key \(acceptance.idempotencyKey) has \(platform.submissions(forKey: acceptance.idempotencyKey)) platform runs")
        }
    }

    /// Slots in flight never exceed `max_in_flight` and are what the active tasks occupy; no
    /// queue holds more than its bound; queue and held list hold exactly the tasks in those states.
    private func checkContention(_ state: EngineState, _ name: String, _ connection: ConnectionState) throws {
        let spec = workflow.connections[name]
        if let limit = spec?.maxInFlight, connection.inFlight > limit {
            throw failure("connection \(name) has \(connection.inFlight) slots in flight, limit \(limit)")
        }
        let slots = state.active.reduce(0) { sum, ref in
            guard let run = state.runs[ref.run], run.connection(of: ref.index) == name else { return sum }
            return sum + run.spec(of: ref.index).slots
        }
        guard slots == connection.inFlight else { throw failure("connection \(name) counts \(connection.inFlight) slots, its tasks hold \(slots)") }
        if let bound = spec?.queue.max, connection.waiting > bound {
            throw failure("connection \(name) has \(connection.waiting) tasks waiting, queue.max \(bound)")
        }
        if connection.heldDepth > 0 && spec?.queue.onFull != .wait {
            throw failure("connection \(name) holds \(connection.heldDepth) tasks with on_full \(String(describing: spec?.queue.onFull))")
        }
        for (waiting, status) in [(connection.queue, TaskStatus.queued), (connection.held, .held)] {
            let members = waiting.inArrivalOrder()
            let inStatus = state.runs.values.reduce(0) { sum, run in
                sum + run.tasks.indices.count { run.tasks[$0].status == status && run.connection(of: $0) == name }
            }
            guard members.count == inStatus, members.allSatisfy({ state.runs[$0.run]?.tasks[$0.index].status == status }) else {
                throw failure("connection \(name) lists \(members.count) tasks as \(status.rawValue), \(inStatus) are")
            }
        }
    }

    private func checkEnd(_ run: RunState) throws {
        try checkRateWindows()
        // Replay the outcomes that happened through a fresh resolution; it must agree with the run.
        var resolution = RunResolution(graph: run.graph)
        _ = resolution.start()
        for index in run.graph.topologicalOrder {
            switch run.tasks[index.rawValue].status {
            case .succeeded: _ = resolution.record(index, .succeeded)
            case .failed: _ = resolution.record(index, .failed)
            case .skipped: continue
            default: throw failure("task \(run.graph.name(of: index)) ended \(run.tasks[index.rawValue].status)")
            }
        }
        for index in run.graph.indices {
            let expected = resolution.state(of: index).terminalState?.rawValue
            let actual = run.tasks[index.rawValue].status.rawValue
            guard expected == actual else { throw failure("task \(run.graph.name(of: index)) is \(actual), resolution says \(expected ?? "not terminal")") }
        }
        guard resolution.runOutcome?.rawValue == run.outcome?.rawValue else {
            throw failure("run ended \(String(describing: run.outcome)), resolution says \(String(describing: resolution.runOutcome))")
        }
    }

    /// No sliding window of the connection's rate ever holds more dispatches than allowed.
    private func checkRateWindows() throws {
        guard let rate = workflow.connections["simc"]?.rate else { return }
        var times: [Int64] = []
        try log.forEach(from: 1) { record in
            if case .taskDispatched = try EventCodec.decode(record.payload, seq: record.seq).body { times.append(record.timeMicros) }
        }
        let window = EngineState.micros(rate.window)
        for (index, time) in times.enumerated() where index + rate.count < times.count {
            if times[index + rate.count] - time < window {
                throw failure("\(rate.count + 1) dispatches within \(rate.window) starting at \(time)")
            }
        }
    }

    /// What a finished simulation went through.
    struct Stats {
        var crashes = 0
        var kinds: [String: Int] = [:]
        var outcomes: [String: Int] = [:]

        mutating func add(_ other: Stats) {
            crashes += other.crashes
            kinds.merge(other.kinds, uniquingKeysWith: +)
            outcomes.merge(other.outcomes, uniquingKeysWith: +)
        }
    }

    func stats() throws -> Stats {
        var stats = Stats(crashes: crashes)
        try log.forEach(from: 1) { record in
            let event = try EventCodec.decode(record.payload, seq: record.seq)
            stats.kinds[event.kindName, default: 0] += 1
            if case .contentionDecided(let e) = event.body { stats.kinds["ContentionDecided.\(e.decision.name)", default: 0] += 1 }
        }
        if let outcome = runtime.state.runs["r"]?.outcome { stats.outcomes[outcome.rawValue] = 1 }
        return stats
    }

    /// The first part where two projections differ, for failure messages.
    /// `state`'s snapshot with every run's tasks written the way earlier builds wrote them.
    static func legacySnapshot(_ state: EngineState) throws -> [UInt8] {
        var snapshot = try Baton_V1_Snapshot(serializedBytes: SnapshotCodec.encode(state))
        snapshot.runBlobs = try snapshot.runBlobs.map { blob in
            var run = try Baton_V1_SnapshotRun(serializedBytes: blob)
            guard let live = state.runs[run.id] else { return blob }
            let parts = live.resolution.parts
            run.clearTaskColumns()
            run.tasks = live.tasks.indices.map { SnapshotTaskCodec.encode(live.tasks[$0], parts, $0) }
            return try run.serializedBytes()
        }
        return try snapshot.serializedBytes()
    }

    static func difference(_ a: EngineState, _ b: EngineState) -> String {
        if a.lastSeq != b.lastSeq || a.lastTimeMicros != b.lastTimeMicros { return "position" }
        if a.definitions != b.definitions { return "definitions" }
        if a.definitionSources != b.definitionSources { return "definition sources" }
        if a.latestDefinition != b.latestDefinition { return "latest definitions" }
        if a.active != b.active { return "active \(a.active) vs \(b.active)" }
        for (name, connection) in b.connections where a.connections[name] != connection {
            return "connection \(name): \(String(describing: a.connections[name])) vs \(connection)"
        }
        for (id, run) in b.runs {
            guard let other = a.runs[id] else { return "run \(id) missing" }
            if other.tasks != run.tasks { return "run \(id) tasks" }
            if other.resolution != run.resolution { return "run \(id) resolution" }
            if other != run { return "run \(id) other fields" }
        }
        return "runs with work or an unlisted field"
    }

    private func failure(_ reason: String) -> Failure { Failure(seed: seed, step: step, reason: reason) }
}
