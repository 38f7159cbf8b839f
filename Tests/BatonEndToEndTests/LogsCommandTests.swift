import BatonTestSupport
import Foundation
import Testing

/// `baton logs` of a process-platform attempt: both streams, the secret masked, the refusals named.
@Suite struct LogsCommandTests {
    @Test func anAttemptsStreamsAreShownWithItsSecretMaskedAndBadNamesRefused() async throws {
        let dir = TemporaryDirectory("logs-command")
        defer { dir.remove() }
        let marker = "MARKER-logs-61c"
        let workflow = """
            name: printing
            connections:
              local: { platform: process }
            defaults: { connection: local }
            tasks:
              talk: { env: { TOKEN: "{{ secrets.tok }}" }, job: { command: ["/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; echo token=$TOKEN"] } }

            """
        try workflow.write(toFile: dir.appending("w.yaml"), atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let environment = ["BATON_SECRET_tok": marker]
        let run = try await BatonProcess.run(["run", dir.appending("w.yaml"), "--data", data, "--run-id", "r"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        let logs = try await BatonProcess.run(["logs", "r", "talk", "--data", data], environment: environment)
        #expect(logs.status == 0, "\(logs.stderr)")
        #expect(logs.stdout.contains("to-stdout") && logs.stdout.contains("to-stderr") && logs.stdout.contains("token=***"))
        #expect(logs.stdout.contains("platform run proc:r/talk/1"))
        #expect(!logs.stdout.contains(marker))
        let noTask = try await BatonProcess.run(["logs", "r", "nope", "--data", data])
        #expect(noTask.status == 2 && noTask.stderr.contains("has no task nope"))
        let noDispatch = try await BatonProcess.run(["logs", "r", "talk", "--dispatch", "2", "--data", data])
        #expect(noDispatch.status == 2 && noDispatch.stderr.contains("no --dispatch 2"))
    }
}
