import BatonState
import Foundation
import Synchronization

/// Prints one line per task transition of a run, as the projection changes.
final class ProgressPrinter: Sendable {
    private let runID: String
    private let quiet: Bool
    private let seen = Mutex<[TaskStatus: Int]?>(nil)
    private let last = Mutex<[String]>([])

    init(runID: String, quiet: Bool) {
        self.runID = runID
        self.quiet = quiet
    }

    func update(_ state: EngineState) {
        guard !quiet, let run = state.runs[runID] else { return }
        let statuses = run.tasks.map { "\($0.status.rawValue)/\($0.attempt)" }
        let lines: [String] = last.withLock { previous in
            defer { previous = statuses }
            return run.tasks.indices.compactMap { index in
                guard index >= previous.count || previous[index] != statuses[index] else { return nil }
                return Self.line(run, index)
            }
        }
        for line in lines { print(line) }
    }

    private static func line(_ run: RunState, _ index: Int) -> String? {
        let task = run.tasks[index]
        let name = run.graph.names[index].padding(toLength: max(18, run.graph.names[index].count), withPad: " ", startingAt: 0)
        switch task.status {
        case .pending: return nil
        case .queued: return "  \(name) queued     attempt \(task.attempt)"
        case .held: return "  \(name) held       attempt \(task.attempt) (the connection's queue is full)"
        case .claimed: return nil
        case .running: return "  \(name) running    attempt \(task.attempt) as \(task.platformRunIDs.last ?? "?")"
        case .retryWait:
            let why = task.lastFailure.map { "\($0.errorClass): \($0.message)" } ?? ""
            return "  \(name) retry_wait attempt \(task.attempt) failed (\(why.prefix(120)))"
        case .succeeded: return "  \(name) succeeded  attempt \(task.attempt)"
        case .failed:
            let why = task.lastFailure.map { "\($0.errorClass): \($0.message)" } ?? ""
            return "  \(name) failed     attempt \(task.attempt) (\(why.prefix(160)))"
        case .skipped: return "  \(name) skipped    (\(task.skipReason ?? ""))"
        case .cancelled: return "  \(name) cancelled"
        }
    }
}

/// The closing line of a run.
enum Summary {
    static func line(_ run: RunState) -> String {
        let counts = run.statusCounts
        let parts = TaskStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
        let seconds = Double((run.finishedAtMicros ?? run.createdAtMicros) - run.createdAtMicros) / 1_000_000
        return "run \(run.id) \(run.outcome?.rawValue ?? "running") in \(String(format: "%.1f", seconds))s: \(parts.joined(separator: ", "))"
    }
}
