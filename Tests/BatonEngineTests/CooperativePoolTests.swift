@testable import BatonEngine
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
    @Test(.timeLimit(.minutes(1)))
    func manyConcurrentReplaysFromAsyncTasksAllFinish() async throws {
        let dir = TemporaryDirectory("pool")
        defer { dir.remove() }
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.path, clock: clock)
        defer { log.close() }
        let writer = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "w"))
        let workflow = try WorkflowLoader.parse("name: p\nconnections:\n  c: { platform: sim }\ndefaults: { connection: c }\ntasks:\n  a: {}\n", file: "p.yaml")
        _ = try await writer.register(workflow, sourcePath: "p.yaml", actor: "t")
        for index in 0..<3_000 { _ = try await writer.trigger("p", runID: "r\(index)", params: [:], trigger: .api, actor: "t") }
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
