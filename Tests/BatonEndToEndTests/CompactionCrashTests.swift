import BatonTestSupport
import Foundation
import Testing

/// `baton compact` killed at random points while four writers append: the archive and live log
/// still form one chain holding every acknowledged event exactly once.
@Suite struct CompactionCrashTests {
    static let killsMin = 10

    @Test func sigkilledCompactionsAmongFourWritersLoseAndDuplicateNothing() async throws {
        let dir = TemporaryDirectory("compact-crash")
        defer { dir.remove() }
        let data = dir.path
        let archive = dir.appending("archive")
        let seed = UInt64.random(in: 1...UInt64(UInt32.max))
        var rng = SeededGenerator(seed: seed)
        let writers = try (0..<4).map { try AppendingChild(data: data, tag: "w\($0)", batch: 1 + $0 % 3, events: true) }
        for writer in writers { await writer.waitForAcks(atLeast: 300) }
        var kills = 0
        var completed = 0
        var killedAfter: [String: Int] = [:]
        // Random kills aim inside the time a compaction takes here: a fast machine finishes
        // most of them within the first window, so the window shrinks to the quickest one seen.
        var window = 300
        for _ in 0..<120 where kills < Self.killsMin + 2 {
            let started = ContinuousClock.now
            // Small segments and prune chunks, so kills land while sealing segments and pruning.
            let compaction = try BatonProcess.start(["compact", "--data", data, "--archive", archive, "--segment-bytes", "6000", "--prune-chunk", "300"])
            // Kill at a random moment, or right after a chosen step: a sealed segment, the
            // read-back verification, or a pruned chunk.
            let marker = ["", "baton: sealed", "baton: verified", "baton: live log now starts"][Int.random(in: 0...3, using: &rng)]
            let occurrence = Int.random(in: 1...3, using: &rng)
            let deadline = ContinuousClock.now + .milliseconds(marker.isEmpty ? Int.random(in: 1...window, using: &rng) : 5_000)
            while compaction.isRunning && ContinuousClock.now < deadline {
                if !marker.isEmpty && compaction.stderr.components(separatedBy: marker).count > occurrence { break }
                try await Task.sleep(for: .milliseconds(1))
            }
            if compaction.isRunning {
                compaction.kill()
                kills += 1
                killedAfter[marker.isEmpty ? "a random moment" : marker, default: 0] += 1
            } else {
                #expect(await compaction.exitCode == 0, "seed \(seed): a compaction failed: \(compaction.stderr)")
                completed += 1
                let took = (ContinuousClock.now - started).components
                window = max(2, min(window, Int(took.seconds * 1_000 + took.attoseconds / 1_000_000_000_000_000) * 9 / 10))
            }
        }
        #expect(kills >= Self.killsMin, "seed \(seed): only \(kills) kills landed (\(completed) compactions finished first)")
        print("compaction crash test, seed \(seed): \(kills) kills (\(killedAfter.sorted { $0.key < $1.key }.map { "\($0.value) after \($0.key)" }.joined(separator: ", "))), \(completed) finished")
        let acks = writers.flatMap { $0.kill() }
        let final = try await BatonProcess.run(["compact", "--data", data, "--archive", archive])
        #expect(final.status == 0, "seed \(seed): \(final.stderr)")

        let verify = try await BatonProcess.run(["replay", "--data", data, "--verify"])
        #expect(verify.status == 0, "seed \(seed): \(verify.stderr)")
        #expect(verify.stdout.contains("archive \(archive) holds 1..."), "\(verify.stdout)")

        // Every acknowledged event exactly once, in one gap-free sequence.
        let lines = try await BatonProcess.run(["replay", "--data", data, "--json"]).stdout.split(separator: "\n")
        var reasons: [String: Int] = [:]
        var seqs: [Int] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            seqs.append(try #require(object["seq"] as? Int))
            if object["type"] as? String == "ConnectionThrottled", let reason = object["reason"] as? String {
                reasons[reason, default: 0] += 1
            }
        }
        #expect(seqs == Array(1...seqs.count), "seed \(seed)")
        #expect(reasons.values.allSatisfy { $0 == 1 }, "seed \(seed): duplicated events \(reasons.filter { $0.value > 1 }.keys.prefix(5))")
        var missing: [String] = []
        for ack in acks {
            let batch = Int(ack.last - ack.first + 1)
            for k in 0..<batch where reasons["\(ack.label)-\(k)"] == nil { missing.append("\(ack.label)-\(k)") }
        }
        #expect(missing.isEmpty, "seed \(seed): acknowledged but missing: \(missing.prefix(5))")
        #expect(acks.count > 200, "the writers made progress: \(acks.count) acknowledged appends")
    }

    @Test func compactingBesideARunningEngineKeepsTheRunExact() async throws {
        let dir = TemporaryDirectory("compact-beside")
        defer { dir.remove() }
        let file = dir.appending("chain.yaml")
        let gate = dir.appending("gate")
        // The middle of the chain waits (on the process platform) until the test opens the gate
        // after two compactions, so they overlap the run however fast or slow the machine is.
        var yaml = "name: chain\nconnections:\n  simc: { platform: sim }\n  local: { platform: process }\ndefaults: { connection: simc }\ntasks:\n  t0: {}\n"
        for index in 1..<120 {
            let gated = index == 60 ? ", connection: local, command: [/bin/sh, -c, 'while [ ! -e \"$0\" ]; do sleep 0.05; done', \(gate)]" : ""
            yaml += "  t\(index): { after: [t\(index - 1)]\(gated) }\n"
        }
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try BatonProcess.start(["run", file, "--data", dir.path, "--run-id", "c1"])
        var compactions = 0
        while run.isRunning && compactions < 40 {
            let compact = try await BatonProcess.run(["compact", "--data", dir.path, "--archive", dir.appending("archive"), "--prune-chunk", "7"])
            #expect(compact.status == 0, "\(compact.stderr)")
            compactions += 1
            if compactions == 2 { try "".write(toFile: gate, atomically: true, encoding: .utf8) }
        }
        if !FileManager.default.fileExists(atPath: gate) { try "".write(toFile: gate, atomically: true, encoding: .utf8) }
        #expect(await run.exitCode == 0, "\(run.stderr)")
        #expect(compactions >= 2, "the run finished before compactions could overlap it")
        let verify = try await BatonProcess.run(["replay", "--data", dir.path, "--verify"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let status = try await BatonProcess.run(["status", "--data", dir.path, "c1", "--json"])
        #expect(status.stdout.contains("\"status\":\"succeeded\""), "\(status.stdout)")
        // Each of the 120 tasks was dispatched exactly once across archive and live log.
        let dispatched = try await BatonProcess.run(["replay", "--data", dir.path, "--json"]).stdout.split(separator: "\n")
            .filter { $0.contains("\"type\":\"TaskDispatched\"") }
        #expect(dispatched.count == 120)
    }
}
