import BatonEngine
import BatonEvents
import BatonHost
import BatonLog
import BatonPlatforms
import BatonTestSupport
import Foundation
import Testing

/// The definitions directory and the log's registrations kept in step.
@Suite struct DefinitionSyncTests {
    static func yaml(_ name: String, tasks: [String]) -> String {
        "name: \(name)\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n" + tasks.map { "  \($0): {}\n" }.joined()
    }

    private func registrations(_ log: EventLog) throws -> [String] {
        var names: [String] = []
        try log.forEach(from: 1) { record in
            if case .workflowRegistered(let e) = try EventCodec.decode(record.payload, seq: record.seq).body { names.append(e.workflow) }
        }
        return names
    }

    @Test func newChangedInvalidAndDuplicateFilesAreHandledEachOnce() async throws {
        let dir = TemporaryDirectory("definitions")
        defer { dir.remove() }
        let workflows = dir.appending("workflows")
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try Self.yaml("alpha", tasks: ["a"]).write(toFile: workflows + "/alpha.yaml", atomically: true, encoding: .utf8)
        try Self.yaml("beta", tasks: ["b"]).write(toFile: workflows + "/beta.yml", atomically: true, encoding: .utf8)
        try "not a workflow".write(toFile: workflows + "/notes.txt", atomically: true, encoding: .utf8)
        let clock = SystemEngineClock()
        let log = try EventLog(directory: dir.appending("log"), clock: clock)
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: clock, options: RuntimeOptions(dispatcherID: "t"))
        var sync = DefinitionSync(directory: WorkflowDirectory(path: workflows))

        #expect(try await sync.sync(runtime, actor: "host").registered == ["alpha", "beta"])
        #expect(try await sync.sync(runtime, actor: "host") == DefinitionSync.Report())

        // An invalid edit is reported once and registers nothing; alpha's version stays.
        try "name: alpha\ntasks: [".write(toFile: workflows + "/alpha.yaml", atomically: true, encoding: .utf8)
        let broken = try await sync.sync(runtime, actor: "host")
        #expect(broken.registered.isEmpty && broken.rejected.map(\.path) == [workflows + "/alpha.yaml"])
        #expect(broken.rejected.first?.problem.contains("alpha.yaml") == true)
        #expect(try await sync.sync(runtime, actor: "host") == DefinitionSync.Report())
        let latestBefore = runtime.state.latestDefinition["alpha"]

        // A valid change is a new version.
        try Self.yaml("alpha", tasks: ["a", "a2"]).write(toFile: workflows + "/alpha.yaml", atomically: true, encoding: .utf8)
        #expect(try await sync.sync(runtime, actor: "host").registered == ["alpha"])
        #expect(runtime.state.latestDefinition["alpha"] != latestBefore)

        // A second file defining beta is refused, naming the first.
        try Self.yaml("beta", tasks: ["other"]).write(toFile: workflows + "/zeta.yaml", atomically: true, encoding: .utf8)
        let duplicate = try await sync.sync(runtime, actor: "host")
        #expect(duplicate.rejected.first?.problem == "workflow beta is already defined by \(workflows)/beta.yml")
        #expect(try registrations(log) == ["alpha", "beta", "alpha"])
    }

    @Test func anUnreadableDirectoryIsANamedError() {
        let scan = { try WorkflowDirectory(path: "/nonexistent/baton-workflows").scan() }
        #expect(throws: HostError.self, performing: scan)
    }
}
