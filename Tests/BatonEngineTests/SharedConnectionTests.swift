@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Testing

/// A registry connection's limits belong to the connection: every workflow that names it shares
/// them, whatever the run first in its queue says.
@Suite struct SharedConnectionTests {
    static func registry(maxInFlight: Int) throws -> ConnectionRegistry {
        try ConnectionRegistryLoader.parse("connections:\n  shared: { platform: sim, max_in_flight: \(maxInFlight) }\n", file: "connections.yaml")
    }

    static func workflow(_ name: String, _ registry: ConnectionRegistry) throws -> Workflow {
        try WorkflowLoader.parse("name: \(name)\ndefaults: { connection: shared }\ntasks:\n  t: { replicas: 3, duration: 1h }\n",
                                 file: "\(name).yaml", registry: registry)
    }

    private func claims(_ state: EngineState) -> Int {
        state.runs.values.reduce(0) { sum, run in sum + run.tasks.count { $0.status == .claimed || $0.status == .running } }
    }

    @Test func twoWorkflowsShareOneLimitAndAChangedLimitTakesEffectAtTheNextClaim() async throws {
        let dir = TemporaryDirectory("shared-connection")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.appending("log"), clock: clock)
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet(["sim": SimPlatform(clock: clock)]), clock: clock,
                              options: RuntimeOptions(dispatcherID: "t", snapshotEveryEvents: 0))
        let two = try Self.registry(maxInFlight: 2)
        #expect(try await runtime.register(connections: two, actor: "test"))
        #expect(try await runtime.register(connections: two, actor: "test") == false, "the same version is registered once")
        for name in ["wa", "wb"] {
            _ = try await runtime.createRun(try Self.workflow(name, two), runID: "r-\(name)", params: [:], logicalDateMicros: 0,
                                            sourcePath: "\(name).yaml", actor: "test")
        }
        _ = try await runtime.commitStep([])
        #expect(claims(runtime.state) == 2, "six queued tasks of two workflows, one limit of 2")
        #expect(runtime.state.connections["shared"]?.queueDepth == 4)

        #expect(try await runtime.register(connections: try Self.registry(maxInFlight: 5), actor: "test"))
        _ = try await runtime.commitStep([])
        #expect(claims(runtime.state) == 5)

        // The registry survives a snapshot exactly, and a replay from the first event agrees.
        let state = runtime.state
        #expect(try SnapshotCodec.decode(SnapshotCodec.encode(state)) == state)
        let replayed = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "u"))
        try replayed.recover(useSnapshots: false)
        #expect(replayed.state == state)
        #expect(replayed.state.registry?.registry.connections["shared"]?.maxInFlight == 5)
    }
}
