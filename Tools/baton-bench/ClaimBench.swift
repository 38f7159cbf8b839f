import ArgumentParser
import BatonEvents
import BatonModel
import BatonState
import Foundation

/// `baton-bench claims`: what one claim decision costs when a connection has a deep queue.
///
/// The pure core, as every process runs it: a run of `--queued` independent tasks on one
/// connection with `max_in_flight: --slots`, all queued; then `--decisions` rounds of "one
/// attempt finishes, the decider claims the freed slot", timing `Decider.decide` and the fold of
/// the claim it made. With `--priorities N` the tasks carry priorities 0..N-1 (round robin), so
/// claims take the highest (aged) priority first instead of the oldest.
struct ClaimBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "claims",
        abstract: "µs per claim decision with a deep connection queue (pure decider and fold, no log)."
    )

    @Option(help: "Tasks queued on the connection before the first claim.")
    var queued = 10_000

    @Option(help: "The connection's max_in_flight.")
    var slots = 8

    @Option(help: "Distinct task priorities (0: the workflow declares none).")
    var priorities = 10

    @Option(help: "Claim decisions measured.")
    var decisions = 2_000

    @Option(help: "Repetitions; the median of each measure is printed.")
    var repetitions = 5

    func validate() throws {
        guard queued >= 1, slots >= 1, priorities >= 0, decisions >= 1, decisions <= queued, (1...50).contains(repetitions) else {
            throw ValidationError("need queued >= 1, slots >= 1, priorities >= 0, 1 <= decisions <= queued, 1 <= repetitions <= 50")
        }
    }

    func run() throws {
        let text = workflowText()
        var decide: [Double] = [], fold: [Double] = [], p99: [Double] = []
        for _ in 0..<repetitions {
            let sample = try measure(text)
            decide.append(Measure.median(sample.decide))
            p99.append(sample.decide.sorted()[sample.decide.count * 99 / 100])
            fold.append(Measure.median(sample.fold))
        }
        let shape = priorities > 0 ? "\(priorities) priorities" : "no priorities"
        print(String(format: "claims: %d queued, max_in_flight %d, %@: decide %.1f µs (p99 %.1f µs), fold of the claim %.1f µs (medians of %d)",
                     queued, slots, shape, Measure.median(decide), Measure.median(p99), Measure.median(fold), repetitions))
    }

    private func workflowText() -> String {
        var text = "name: claims\nconnections:\n  c: { platform: sim, max_in_flight: \(slots) }\ndefaults: { connection: c }\ntasks:\n"
        for index in 0..<queued {
            text += priorities > 0 ? "  t\(index): { priority: \(index % priorities) }\n" : "  t\(index): {}\n"
        }
        return text
    }

    private struct Sample {
        var decide: [Double] = []
        var fold: [Double] = []
    }

    private func measure(_ text: String) throws -> Sample {
        var state = EngineState()
        var seq: UInt64 = 0
        var now: Int64 = 1_000_000
        func apply(_ events: [Baton_V1_Event]) throws {
            for event in events {
                seq += 1
                try state.apply(event, seq: seq, timeMicros: now)
            }
        }
        let hash = [UInt8](repeating: 7, count: 32)
        try apply([EventFactory.workflowRegistered("claims", hash: hash, definition: text, sourcePath: "claims.yaml", actor: "bench"),
                   EventFactory.runCreated("r", workflow: "claims", hash: hash, params: [:], logicalDate: 0, trigger: .manual, actor: "bench")])
        try apply(Decider.decide(state, DecisionContext(now: now)))
        guard state.connections["c"]?.queueDepth == queued else { throw ValidationError("the tasks were not all queued") }

        var sample = Sample()
        var running: [(task: String, attempt: UInt32)] = []
        for round in 0...decisions {
            now += 1_000
            if round > 0, !running.isEmpty {
                // One attempt finishes and frees its slot.
                let done = running.removeFirst()
                try apply([EventFactory.taskSucceeded("r", done.task, attempt: done.attempt, outputJSON: "")])
            }
            let context = DecisionContext(now: now, dispatcherID: "bench", leaseMicros: 60_000_000)
            var events: [Baton_V1_Event] = []
            let decideSeconds = Measure.secondsSync { events = Decider.decide(state, context) }
            let foldSeconds = try Measure.secondsSync { try apply(events) }
            var dispatched: [Baton_V1_Event] = []
            for event in events {
                guard case .taskClaimed(let claim) = event.body else { continue }
                running.append((claim.task, claim.attempt))
                dispatched.append(EventFactory.taskDispatched("r", claim.task, attempt: claim.attempt, connection: "c", platformRunID: "p"))
            }
            try apply(dispatched)
            // The first round fills every slot; the steady state is one claim per decision.
            if round > 0 {
                sample.decide.append(decideSeconds * 1e6)
                sample.fold.append(foldSeconds * 1e6)
            }
        }
        return sample
    }
}
