import BatonTestSupport
import Foundation
import Testing

/// SIGKILLs the real `baton run` on the process platform at seeded random moments and checks,
/// from the tasks' own marker files, that resuming never ran an attempt twice, never started a
/// task early, ends in the states of an uninterrupted run, and kept the rate limit.
///
/// This runs on the wall clock (real processes and real sleeps), unlike the simulation tests: the
/// seed fixes the workflow and the kill delays, not the interleaving. `BATON_CRASH_SEED=N` replays
/// a seed's workflow and delays.
@Suite struct CrashRunTests {
    /// Kills per test, at least, over as many killed runs as that takes (one run usually has
    /// room for about twice as many; on a busy machine fewer).
    static let killsMin = 25
    /// Killed runs before the test gives up on reaching `killsMin`.
    static let roundsMax = 6
    /// Launches of `baton run` before the test gives up (each one is killed or finishes).
    static let launchesMax = 200
    /// How long a launch lives before it is killed, in milliseconds: mostly short, but every
    /// `longLifeEvery`-th launch outlives `ProcessPlatform.claimWaitMax` (2 s), which a submit
    /// waits before taking over a claim whose submitter died before spawning; without those, no
    /// launch could ever finish such a submit. Regular rather than random, so the run (about 18 s
    /// under its rate limit) always takes more than `killsMin` kills.
    static let killDelayMillis = 20...400
    static let longLifeMillis = 2_300...2_800
    static let longLifeEvery = 10

    @Test func killedRunsEndLikeAnUninterruptedRun() async throws {
        var system = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["BATON_CRASH_SEED"].flatMap { UInt64($0) } ?? system.next()
        print("CrashRunTests seed \(seed) (replay with BATON_CRASH_SEED=\(seed))")
        let workflow = CrashWorkflow.generate(seed: seed)
        let root = TemporaryDirectory("e2e-crash")
        defer { if ProcessInfo.processInfo.environment["BATON_CRASH_KEEP"] == nil { root.remove() } }
        let file = root.appending("crash_pipeline.json")
        try workflow.json().write(to: URL(fileURLWithPath: file))
        let names = workflow.tasks.map(\.name)

        let calm = try Setup(root: root, label: "calm", file: file)
        let calmRun = try await BatonProcess.run(calm.arguments)
        #expect(calmRun.status == 0 || calmRun.status == 1, "seed \(seed): \(calmRun.stderr)")
        let expected = try await finalStates(calm)
        await check(calm, workflow, expected, seed: seed)

        // Killed runs of the same workflow until `killsMin` kills have landed in all: how many
        // fit in one run depends on how long a busy machine takes to start each launch (the run
        // is paced by its rate limit on the wall clock), so the bound is on kills, not on time.
        var generator = SeededGenerator(seed: seed)
        var kills = 0
        for round in 0..<Self.roundsMax where kills < Self.killsMin {
            let crashy = try Setup(root: root, label: "crashy\(round)", file: file)
            let started = ContinuousClock.now
            let (roundKills, status) = try await runKilling(crashy, using: &generator)
            kills += roundKills
            print("CrashRunTests seed \(seed) round \(round): \(roundKills) kills, exit \(status) after \(ContinuousClock.now - started) in \(root.path)")
            #expect(status == calmRun.status, "seed \(seed) round \(round): exit \(status), uninterrupted run exited \(calmRun.status)")
            let actual = try await finalStates(crashy)
            #expect(actual == expected, "seed \(seed) round \(round): final states differ from the uninterrupted run")
            await check(crashy, workflow, actual, seed: seed)
            #expect(names.allSatisfy { actual.tasks[$0] != nil }, "seed \(seed) round \(round): tasks missing from status")
        }
        #expect(kills >= Self.killsMin, "seed \(seed): only \(kills) kills in \(Self.roundsMax) killed runs")
    }

    /// One data directory and marker directory, and the `baton run` arguments using them.
    struct Setup {
        let data: String
        let markers: String
        let runID: String
        let arguments: [String]

        init(root: TemporaryDirectory, label: String, file: String) throws {
            data = root.appending("\(label)-data")
            markers = root.appending("\(label)-markers")
            runID = "crash-\(label)"
            try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
            arguments = ["run", file, "--data", data, "--run-id", runID, "--param", "markers=\(markers)"]
        }
    }

    /// A run's outcome and each task's status and attempt count, from `baton status --json`.
    struct FinalStates: Equatable {
        let status: String
        let tasks: [String: TaskState]
    }

    struct TaskState: Equatable, CustomStringConvertible {
        let status: String
        let attempts: Int
        var description: String { "\(status)/\(attempts)" }
    }

    private func finalStates(_ setup: Setup) async throws -> FinalStates {
        let output = try await BatonProcess.run(["status", setup.runID, "--data", setup.data, "--json"])
        guard output.status == 0,
              let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any],
              let status = object["status"] as? String, let tasks = object["tasks"] as? [[String: Any]]
        else {
            Issue.record("baton status \(setup.runID) exited \(output.status): \(output.stdout) \(output.stderr)")
            return FinalStates(status: "?", tasks: [:])
        }
        var states: [String: TaskState] = [:]
        for task in tasks {
            guard let id = task["id"] as? String, let status = task["status"] as? String, let attempts = task["attempts"] as? Int else {
                Issue.record("baton status: malformed task \(task)")
                continue
            }
            states[id] = TaskState(status: status, attempts: attempts)
        }
        return FinalStates(status: status, tasks: states)
    }

    /// Checks the marker files and the attempt directories of a finished run.
    private func check(_ setup: Setup, _ workflow: CrashWorkflow, _ states: FinalStates, seed: UInt64) async {
        #expect(["succeeded", "failed"].contains(states.status), "seed \(seed): \(setup.runID) ended \(states.status)")
        var problems: [String] = []
        let ledger = MarkerLedger(directory: setup.markers, tasks: workflow.tasks.map(\.name), problems: &problems)
        problems += ledger.violations
        problems += ledger.exactlyOncePerAttempt(attempts: states.tasks.mapValues(\.attempts))
        problems += ledger.startsFollowUpstreams(workflow)
        do {
            problems += RateCheck.violations(dispatchTimes: try await RateCheck.dispatchTimes(data: setup.data, runID: setup.runID),
                                             count: CrashWorkflow.rateCount, window: CrashWorkflow.rateWindow)
        } catch {
            problems.append("replay for the rate check failed: \(error)")
        }
        #expect(problems.isEmpty, "seed \(seed), \(setup.runID):\n\(problems.joined(separator: "\n"))")
    }

    /// Launches `baton run` again and again, SIGKILLing each launch after a seeded delay, until
    /// one finishes before its delay is up, so kills land from the run's creation to its end.
    /// Returns the kills and the exit status of the launch that finished.
    private func runKilling(_ setup: Setup, using generator: inout SeededGenerator) async throws -> (kills: Int, status: Int32) {
        var kills = 0
        for launch in 0..<Self.launchesMax {
            let process = try spawn(setup, launch: launch)
            let exit = ChildExit(process)
            let long = launch % Self.longLifeEvery == Self.longLifeEvery - 1
            let delay = Int.random(in: long ? Self.longLifeMillis : Self.killDelayMillis, using: &generator)
            if await waitForExit(exit, upTo: .milliseconds(delay)) == nil {
                kill(process.processIdentifier, SIGKILL)
            }
            let ended = exit.wait()
            if ended.bySignal, ended.code == SIGKILL {
                kills += 1
                continue
            }
            let status = ended.code
            guard !ended.bySignal, status == 0 || status == 1 else {
                let log = (try? String(contentsOfFile: setup.data + "-launch-\(launch).out", encoding: .utf8)) ?? ""
                Issue.record("launch \(launch) after \(kills) kills ended with \(status) (signal: \(ended.bySignal)):\n\(log)")
                return (kills, status)
            }
            return (kills, status)
        }
        Issue.record("the run did not finish in \(Self.launchesMax) launches")
        return (kills, -1)
    }

    /// Starts `baton run`, its stdout and stderr going to a file beside the data directory.
    private func spawn(_ setup: Setup, launch: Int) throws -> Process {
        let outputPath = setup.data + "-launch-\(launch).out"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              let output = FileHandle(forWritingAtPath: outputPath) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: outputPath])
        }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path(of: "baton"))
        process.arguments = setup.arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// The exit status once `process` ends within `limit`, or nil while it still runs.
    /// Sleeps in the task, not the thread, so other tests keep their share of the pool.
    private func waitForExit(_ exit: ChildExit, upTo limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        // Real time on purpose: the kill must land while the real process is doing real work.
        while exit.poll() == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(2)) }
        return exit.poll()?.code
    }
}
