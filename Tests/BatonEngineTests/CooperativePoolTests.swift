@testable import BatonEngine
import BatonEvents
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
import BatonTestSupport
import Foundation
import Testing

/// Start-up and catch-up replay block their caller while worker threads verify pages. Called
/// from many tasks at once (a host's HTTP handlers, scheduler and engine loop), they must not
/// wait for threads that the blocked callers themselves occupy.
@Suite struct CooperativePoolTests {
    /// Bounded by work, not by a clock: the runs are appended in one durable commit (not 3,000
    /// fsyncs, which a slow disk stretches past any limit), and a pool starved by blocked callers
    /// would hang here for good rather than fail late.
    @Test func manyConcurrentReplaysFromAsyncTasksAllFinish() async throws {
        let dir = TemporaryDirectory("pool")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        let writer = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "w"))
        let workflow = try WorkflowLoader.parse("name: p\nconnections:\n  c: { platform: sim }\ndefaults: { connection: c }\ntasks:\n  a: {}\n", file: "p.yaml")
        _ = try await writer.register(workflow, sourcePath: "p.yaml", actor: "t")
        let hash = try #require(writer.state.latestDefinition["p"])
        let runs = (0..<3_000).map { index in
            EventFactory.runCreated("r\(index)", workflow: "p", hash: Runtime.bytes(hex: hash), params: [:], logicalDate: 0, trigger: .api, actor: "t")
        }
        _ = try await log.append(runs.map(EventCodec.encode))
        let heads = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for _ in 0..<16 {
                group.addTask {
                    let reader = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "r"))
                    try reader.recover(useSnapshots: false)
                    return reader.state.lastSeq
                }
            }
            var heads: [UInt64] = []
            for try await head in group { heads.append(head) }
            return heads
        }
        let head = try log.head()
        #expect(heads.count == 16 && Set(heads) == [head])
    }
}
