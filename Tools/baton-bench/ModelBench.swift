import ArgumentParser
import BatonModel

/// `baton-bench model`: parse, validate, build and resolve a generated layered DAG.
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time workflow parsing, validation, graph building and run resolution on a generated DAG.",
        discussion: """
            Generates a layered DAG as YAML text in memory (layers of --width tasks, each task after \
            --fan-in tasks of the previous layer), then prints one line per measure: the median of \
            --repetitions runs, measured with ContinuousClock. Targets: parse+validate of 100,000 tasks \
            under 1 s; a whole run resolved in under 0.5 s.
            """
    )

    @Option(help: "Number of tasks in the generated workflow.")
    var tasks = 100_000

    @Option(help: "Tasks per layer.")
    var width = 1_000

    @Option(help: "Upstream edges per task (beyond the first layer).")
    var fanIn = 3

    @Option(help: "Repetitions per measure; the median is printed.")
    var repetitions = 5

    func validate() throws {
        guard tasks >= 1, width >= 1, fanIn >= 1, fanIn <= width, (1...100).contains(repetitions) else {
            throw ValidationError("need tasks >= 1, width >= 1, 1 <= fan-in <= width, 1 <= repetitions <= 100")
        }
    }

    func run() throws {
        let text = LayeredDAG.yaml(tasks: tasks, width: width, fanIn: fanIn)
        let clock = ContinuousClock()
        var workflow: Workflow?
        let parse = try median(repetitions) { () throws -> Duration in
            var parsed: Workflow?
            let elapsed = try clock.measure { parsed = try WorkflowLoader.parse(text, file: "bench.yaml") }
            workflow = parsed
            return elapsed
        }
        guard let workflow else { throw ValidationError("the generated workflow did not parse") }
        var graph: WorkflowGraph?
        let build = try median(repetitions) { () -> Duration in
            clock.measure { graph = WorkflowGraph(workflow) }
        }
        guard let graph else { throw ValidationError("graph was not built") }
        let resolveAll = try median(repetitions) { () -> Duration in
            clock.measure { _ = Self.resolve(graph, failEvery: 0) }
        }
        let resolveFailures = try median(repetitions) { () -> Duration in
            clock.measure { _ = Self.resolve(graph, failEvery: 97) }
        }
        let kilobytes = text.utf8.count / 1024
        print("model: \(graph.summary); source \(kilobytes) KiB")
        print("model parse+validate: \(Self.format(parse)) (median of \(repetitions))")
        print("model graph build: \(Self.format(build))")
        print("model resolve run, all succeed: \(Self.format(resolveAll)) total, \(Self.perOutcome(resolveAll, graph.count)) per outcome")
        print("model resolve run, 1 in 97 fails: \(Self.format(resolveFailures)) total")
    }

    /// Resolves a whole run in arrival order; every `failEvery`-th recorded task fails (0 = none).
    static func resolve(_ graph: WorkflowGraph, failEvery: Int) -> RunOutcome? {
        var resolution = RunResolution(graph: graph)
        var ready = resolution.start().ready
        var head = 0
        while head < ready.count {
            let task = ready[head]
            head += 1
            let failed = failEvery > 0 && head % failEvery == 0
            ready.append(contentsOf: resolution.record(task, failed ? .failed : .succeeded).ready)
        }
        return resolution.runOutcome
    }

    private func median(_ count: Int, _ measure: () throws -> Duration) throws -> Duration {
        var samples: [Duration] = []
        for _ in 0..<count { samples.append(try measure()) }
        return samples.sorted()[samples.count / 2]
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = Double(seconds) * 1_000 + Double(attoseconds) / 1e15
        return "\((milliseconds * 10).rounded() / 10) ms"
    }

    static func perOutcome(_ duration: Duration, _ count: Int) -> String {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(max(count, 1))
        return "\(Int(nanoseconds.rounded())) ns"
    }
}

/// The generated benchmark workflow.
enum LayeredDAG {
    /// YAML for `tasks` tasks in layers of `width`; each task after `fanIn` distinct tasks of the layer before.
    static func yaml(tasks: Int, width: Int, fanIn: Int) -> String {
        var text = "name: bench\nowner: bench@example.com\nconnections: { local: { platform: sim, max_in_flight: 64 } }\ntasks:\n"
        text.reserveCapacity(tasks * 64)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for index in 0..<tasks {
            text += "  t\(index): { command: [./step.sh, \"{{ run.id }}\"]"
            let layerStart = index / width * width
            if layerStart > 0 {
                let previous = layerStart - width
                var chosen: [Int] = []
                while chosen.count < fanIn {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let candidate = previous + Int((state >> 33) % UInt64(width))
                    if !chosen.contains(candidate) { chosen.append(candidate) }
                }
                text += ", after: [" + chosen.map { "t\($0)" }.joined(separator: ", ") + "]"
            }
            text += " }\n"
        }
        return text
    }
}
