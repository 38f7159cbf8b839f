import Foundation

/// What the crash workflow's tasks left in their marker directory: one line
/// `<task> <attempt> <start-ns>` per started attempt, and the violations they saw.
struct MarkerLedger {
    /// One started attempt.
    struct Start: Equatable {
        let attempt: String
        let nanos: UInt64
    }

    /// Starts by task, in file order.
    let starts: [String: [Start]]
    /// Lines of `violations` (a task started before a success-upstream had succeeded).
    let violations: [String]

    /// Reads the marker files of `tasks` in `directory`; a line that does not parse is a problem.
    init(directory: String, tasks: [String], problems: inout [String]) {
        var starts: [String: [Start]] = [:]
        for task in tasks {
            guard let text = try? String(contentsOfFile: directory + "/\(task).log", encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 3, fields[0] == task, let nanos = UInt64(fields[2]) else {
                    problems.append("\(task).log: malformed line \"\(line)\"")
                    continue
                }
                starts[task, default: []].append(Start(attempt: String(fields[1]), nanos: nanos))
            }
        }
        self.starts = starts
        let violations = (try? String(contentsOfFile: directory + "/violations", encoding: .utf8)) ?? ""
        self.violations = violations.split(separator: "\n").map(String.init)
    }

    /// Each task's side effect happened once per attempt the engine counted: attempts `1...n`,
    /// each exactly once, where `n` is the task's `attempts` in `baton status`.
    func exactlyOncePerAttempt(attempts: [String: Int]) -> [String] {
        var problems: [String] = []
        for (task, count) in attempts.sorted(by: { $0.key < $1.key }) {
            let seen = (starts[task] ?? []).map(\.attempt)
            let expected = (0..<count).map { String($0 + 1) }
            if seen.sorted() != expected.sorted() {
                problems.append("\(task): attempts started \(seen), status counts \(count)")
            }
        }
        for task in starts.keys where attempts[task] == nil { problems.append("\(task): ran but is not in the run") }
        return problems
    }

    /// No attempt of a task started before the start of its success-upstream's last attempt
    /// plus that attempt's nap (the upstream sleeps before it succeeds).
    func startsFollowUpstreams(_ workflow: CrashWorkflow) -> [String] {
        let naps = Dictionary(uniqueKeysWithValues: workflow.tasks.map { ($0.name, UInt64($0.nap * 1e9)) })
        var problems: [String] = []
        for task in workflow.tasks {
            guard let first = starts[task.name]?.map(\.nanos).min() else { continue }
            for upstream in task.successUpstreams {
                guard let done = starts[upstream]?.last.map({ $0.nanos + (naps[upstream] ?? 0) }) else {
                    problems.append("\(task.name) ran but its success-upstream \(upstream) never started")
                    continue
                }
                if first < done { problems.append("\(task.name) started \(done - first) ns before \(upstream) could succeed") }
            }
        }
        return problems
    }
}
