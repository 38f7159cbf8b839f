import BatonTestSupport
import Foundation
import Testing

/// `baton replay` against a real run's log.
@Suite struct ReplayTests {
    static let workflow = """
        name: audit_me
        connections:
          simc: { platform: sim }
        defaults: { connection: simc, retry: { attempts: 2, delay: 10ms, max_delay: 10ms } }
        tasks:
          extract: { outcome: [failure, success] }
          check:   { after: [extract], outcome: failure, retry: { attempts: 1 } }
          publish: { after: [check] }
          alert:   { after: { check: failure } }
        """

    private func runWorkflow(_ dir: TemporaryDirectory) async throws -> String {
        let file = dir.appending("audit.yaml")
        try Self.workflow.write(toFile: file, atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let run = try await BatonProcess.run(["run", file, "--data", data, "--run-id", "a1"])
        // check has a success path (skipped) and a failure path: the if-else pattern, which fails the run.
        #expect(run.status == 1, "\(run.stderr)")
        return data
    }

    @Test func humanOutputTellsRetriesSkipsAndTheHandler() async throws {
        let dir = TemporaryDirectory("replay-human")
        defer { dir.remove() }
        let data = try await runWorkflow(dir)
        let output = try await BatonProcess.run(["replay", "--data", data]).stdout
        // seq, time, [+step duration], type, ...: the type is the first capitalised word.
        let types = output.split(separator: "\n").map { $0.split(separator: " ").first { $0.first?.isUppercase == true } ?? "" }
        #expect(types.first == "WorkflowRegistered" && types.dropFirst().first == "RunCreated" && types.last == "RunFinished")
        #expect(output.contains("TaskFailed            a1 extract#1  [task, retryable]"))
        #expect(output.contains("TaskRetryScheduled    a1 extract#2  attempt 2 after 10 ms"))
        #expect(output.contains("TaskSkipped           a1 publish  edge check (on success): check failed, edge needs success"))
        #expect(output.contains("TaskSucceeded         a1 alert#1"))
        #expect(output.contains("RunFinished           a1  failed"))
    }

    @Test func jsonLinesCarryTheContractFields() async throws {
        let dir = TemporaryDirectory("replay-json")
        defer { dir.remove() }
        let data = try await runWorkflow(dir)
        let lines = try await BatonProcess.run(["replay", "--data", data, "--run", "a1", "--task", "extract", "--json"]).stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        var previous: Int = 0
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            for key in ["seq", "time", "type", "run_id", "task", "attempt", "platform_run_id", "hash"] {
                #expect(object[key] != nil, "missing \(key) in \(line)")
            }
            #expect(object["task"] as? String == "extract")
            let seq = try #require(object["seq"] as? Int)
            #expect(seq > previous)
            previous = seq
        }
    }

    @Test func verifyComparesSnapshotPlusTailWithTheFullReplay() async throws {
        let dir = TemporaryDirectory("replay-snapshot")
        defer { dir.remove() }
        let data = try await runWorkflow(dir)
        let snapshot = try await BatonProcess.run(["snapshot", "--data", data])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        #expect(snapshot.stdout.hasPrefix("snapshot at seq "))
        let again = try await BatonProcess.run(["run", dir.appending("audit.yaml"), "--data", data, "--run-id", "a2"])
        #expect(again.status == 1)
        let verify = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("identical to start-up's snapshot at seq"))
        let status = try await BatonProcess.run(["status", "--data", data, "a2", "--json"])
        #expect(status.stdout.contains("\"run_id\":\"a2\""))
    }

    @Test func verifyPassesOnAnIntactLogAndNamesTheDamagedRecord() async throws {
        let dir = TemporaryDirectory("replay-verify")
        defer { dir.remove() }
        let data = try await runWorkflow(dir)
        let intact = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(intact.status == 0)
        #expect(intact.stdout.contains("chain intact"))
        // Damage the workflow name inside the stored RunCreated event (seq 2).
        // Older copies of pages may hold the name too; every copy is damaged. The first record
        // that holds it is the registered definition (seq 1).
        #expect(try FileDamage.flip("audit_me", offset: 0, in: data + "/log/data.mdb") > 0)
        let damaged = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(damaged.status == 1)
        #expect(damaged.stderr.contains("seq 1:"))
    }

    @Test func aCompactedLogReplaysAsOneChainAndDamageIsNamedWhereItIs() async throws {
        let dir = TemporaryDirectory("replay-compacted")
        defer { dir.remove() }
        let data = try await runWorkflow(dir)
        let archive = dir.appending("archive")
        let compact = try await BatonProcess.run(["compact", "--data", data, "--archive", archive])
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(compact.stdout.contains("archived 21 events in 1 new segment(s), removed 21 from the live log (now from seq 22)"), "\(compact.stdout)")
        #expect(try await BatonProcess.run(["run", dir.appending("audit.yaml"), "--data", data, "--run-id", "a2"]).status == 1)

        let verify = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("archive \(archive) holds 1...21, live log 22..."), "\(verify.stdout)")
        let all = try await BatonProcess.run(["replay", "--data", data]).stdout.split(separator: "\n")
        #expect(all.first?.contains("WorkflowRegistered") == true && all.count > 40)
        let range = try await BatonProcess.run(["replay", "--data", data, "--from", "20", "--to", "25"]).stdout.split(separator: "\n")
        let sequences = range.map { $0.split(separator: " ").first.map(String.init) }
        #expect(sequences == (20...25).map { String($0) })

        // A flipped byte in the snapshot the floor rests on: verify names the snapshot.
        #expect(try FileDamage.flip("alert:   { after", offset: 3, in: data + "/log/data.mdb") > 0)
        let badSnapshot = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(badSnapshot.status == 1)
        #expect(badSnapshot.stderr.contains("snapshot at seq 21: checksum mismatch"), "\(badSnapshot.stderr)")

        // A flipped byte in an archived event: verify names its sequence number and segment.
        let segment = archive + "/events-00000000000000000001-00000000000000000021.segment"
        #expect(try FileDamage.flip("a1/check/1", offset: 2, in: segment) == 1)
        let badArchive = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(badArchive.status == 1)
        #expect(badArchive.stderr.contains("seq 13: archive segment events-00000000000000000001-00000000000000000021.segment: stored hash"), "\(badArchive.stderr)")
    }
}
