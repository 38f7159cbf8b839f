import BatonTestSupport
import BatonModel

/// Drives a ``RunResolution`` to the end with scripted outcomes, choosing which ready task finishes next.
struct RunDriver {
    /// How the next task to finish is picked among the ready ones.
    enum Order {
        case firstReady
        case lastReady
        case seeded(UInt64)
    }

    /// The final resolution after every ready task has been recorded.
    static func run(
        _ graph: WorkflowGraph, outcomes: (TaskIndex) -> TaskOutcome, order: Order, checkEachStep: Bool = true
    ) -> RunResolution {
        var resolution = RunResolution(graph: graph)
        var ready = resolution.start().ready
        var random = SeededGenerator(seed: { if case .seeded(let seed) = order { seed } else { 0 } }())
        var steps = 0
        while !ready.isEmpty, steps <= graph.count {
            steps += 1
            let position: Int
            switch order {
            case .firstReady: position = 0
            case .lastReady: position = ready.count - 1
            case .seeded: position = Int.random(in: 0..<ready.count, using: &random)
            }
            let task = ready.remove(at: position)
            let step = resolution.record(task, outcomes(task))
            ready.append(contentsOf: step.ready)
            if checkEachStep { resolution.checkInvariants() }
        }
        return resolution
    }
}
