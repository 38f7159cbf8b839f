import BatonTestSupport
import Foundation
import Testing

/// `baton retry`, `baton clear` and `baton cancel` from the shell: what they print, their exit
/// codes, and what the run looks like after.
@Suite struct OperatorCommandTests {
    @Test func retryReopensAFailedRunCancelFinishesItAndRefusalsExitTwo() async throws {
        let dir = TemporaryDirectory("operator-cli")
        defer { dir.remove() }
        let data = dir.appending("data")
        let workflow = dir.appending("w.yaml")
        try """
            name: w
            connections:
              simc: { platform: sim }
            defaults: { connection: simc }
            tasks:
              load: { outcome: failure }
              report: { after: [load] }
            """.write(toFile: workflow, atomically: true, encoding: .utf8)
        #expect(try await BatonProcess.run(["run", workflow, "--data", data, "--run-id", "r1"]).status == 1)

        let retry = try await BatonProcess.run(["retry", "r1", "load", "--reason", "fixed input", "--data", data])
        #expect(retry.status == 0 && retry.stdout == "r1: reset load, report\n", "\(retry.stderr)")
        // Nobody dispatches here: the run is open again with load queued.
        let open = try await BatonProcess.run(["status", "r1", "--json", "--data", data]).stdout
        #expect(open.contains(#""status":"running""#) && open.contains(#""status":"queued""#), "\(open)")

        let clearBusy = try await BatonProcess.run(["clear", "r1", "load", "--data", data])
        #expect(clearBusy.status == 2 && clearBusy.stderr.contains("task load of run r1 is queued"), "\(clearBusy.stderr)")

        let cancel = try await BatonProcess.run(["cancel", "r1", "--data", data])
        #expect(cancel.status == 0 && cancel.stdout == "r1: cancel requested\n", "\(cancel.stderr)")
        let cancelled = try await BatonProcess.run(["status", "r1", "--json", "--data", data]).stdout
        #expect(cancelled.contains(#""status":"cancelled""#), "\(cancelled)")
        let again = try await BatonProcess.run(["cancel", "r1", "--data", data])
        #expect(again.status == 2 && again.stderr.contains("already finished"), "\(again.stderr)")

        let ghost = try await BatonProcess.run(["retry", "ghost", "load", "--data", data])
        #expect(ghost.status == 2 && ghost.stderr.contains("find run ghost"), "\(ghost.stderr)")
        let audit = try await BatonProcess.run(["replay", "--data", data, "--run", "r1"]).stdout
        #expect(audit.contains("TasksCleared") && audit.contains("retry by cli:") && audit.contains("(fixed input)"), "\(audit)")
        #expect(audit.contains("RunCancelRequested"), "\(audit)")
    }
}
