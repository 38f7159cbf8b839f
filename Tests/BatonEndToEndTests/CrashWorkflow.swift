import BatonTestSupport
import Foundation

/// A generated 30-task workflow for the crash test, on one `process` connection with
/// `max_in_flight` and `rate`: a fan-out, a join, a task failing its first attempt, a task that
/// always fails with a failure handler and a success-downstream that is skipped, and seeded filler.
///
/// Every task runs `/bin/sh -c SCRIPT NAME MARKERS KIND NAP UPSTREAM...`: it appends
/// `<task> <attempt> <start-ns>` to `MARKERS/<task>.log`, records a violation in
/// `MARKERS/violations` for every success-upstream without its `MARKERS/<upstream>.ok`, sleeps
/// NAP seconds, then succeeds (touching `<task>.ok`) or fails as its KIND says.
struct CrashWorkflow {
    /// What a task does after its nap.
    enum Kind: String {
        case succeeds
        /// Fails the first time it runs (it leaves `<task>.tried`), succeeds afterwards.
        case failsOnce = "fails_once"
        case alwaysFails = "always_fails"
    }

    /// One task: its upstreams with their conditions, in order.
    struct Task {
        let name: String
        let kind: Kind
        let upstreams: [(name: String, condition: String)]
        /// Seconds the command sleeps, so kills land while it runs.
        let nap: Double

        var successUpstreams: [String] { upstreams.filter { $0.condition == "success" }.map(\.name) }
    }

    static let taskCount = 30
    static let fanOutWidth = 8
    static let maxInFlight = 4
    /// The rate limit: `rateCount` dispatches in any sliding `rateWindow`.
    static let rateCount = 5
    static let rateWindow: Duration = .seconds(3)
    /// Every task has two attempts, so the always-failing task is retried as well.
    static let attemptsMax = 2

    let tasks: [Task]

    /// The shell script every task runs; request data arrives as positional parameters only.
    /// The attempt number is the name of the attempt directory that holds `$BATON_OUTPUT`.
    static let script = #"""
        t=$0 d=$1 kind=$2 nap=$3; shift 3
        a=${BATON_OUTPUT%/*}; a=${a##*/}
        for u in "$@"; do [ -e "$d/$u.ok" ] || echo "$t $a started before $u succeeded" >> "$d/violations"; done
        echo "$t $a $(date +%s%N)" >> "$d/$t.log"
        sleep "$nap"
        case $kind in
            fails_once) if [ ! -e "$d/$t.tried" ]; then : > "$d/$t.tried"; exit 1; fi ;;
            always_fails) echo "$t fails on purpose" >&2; exit 1 ;;
        esac
        : > "$d/$t.ok"
        """#

    /// The workflow of `seed`: the fixed roles above plus filler with 1–3 random upstreams each.
    static func generate(seed: UInt64) -> CrashWorkflow {
        var generator = SeededGenerator(seed: seed)
        var tasks: [Task] = []
        func nap() -> Double { Double(Int.random(in: 200...600, using: &generator)) / 1000 }
        func add(_ name: String, _ upstreams: [(String, String)], _ kind: Kind = .succeeds) {
            tasks.append(Task(name: name, kind: kind, upstreams: upstreams.map { (name: $0.0, condition: $0.1) }, nap: nap()))
        }
        add("start", [])
        let fans = (0..<fanOutWidth).map { "fan_\($0)" }
        for fan in fans { add(fan, [("start", "success")]) }
        add("join", fans.map { ($0, "success") })
        add("flaky", [("start", "success")], .failsOnce)
        add("doomed", [("start", "success")], .alwaysFails)
        add("rescue", [("doomed", "failure")])
        add("never", [("doomed", "success")])
        add("tail", [("join", "success"), ("flaky", "success")])
        let pool = tasks.map(\.name).filter { $0 != "doomed" && $0 != "never" }
        var candidates = pool
        while tasks.count < taskCount {
            let name = "f_\(tasks.count)"
            let picked = Set((0..<Int.random(in: 1...3, using: &generator)).map { _ in
                candidates[Int.random(in: 0..<candidates.count, using: &generator)]
            })
            add(name, candidates.filter { picked.contains($0) }.map { ($0, "success") })
            candidates.append(name)
        }
        return CrashWorkflow(tasks: tasks)
    }

    /// The workflow as JSON; the marker directory is the parameter `markers`.
    func json() throws -> Data {
        let window = Int(Self.rateWindow.components.seconds)
        let items: [[String: Any]] = tasks.map { task in
            var item: [String: Any] = [
                "id": task.name,
                "command": ["/bin/sh", "-c", Self.script, task.name, "{{ params.markers }}", task.kind.rawValue,
                            String(format: "%.3f", task.nap)] + task.successUpstreams,
            ]
            if !task.upstreams.isEmpty {
                item["after"] = Dictionary(uniqueKeysWithValues: task.upstreams.map { ($0.name, $0.condition) })
            }
            return item
        }
        let workflow: [String: Any] = [
            "name": "crash_pipeline",
            "params": ["markers": "/nonexistent"],
            "connections": ["local": ["platform": "process", "max_in_flight": Self.maxInFlight, "rate": "\(Self.rateCount)/\(window)s"]],
            "defaults": ["connection": "local", "retry": ["attempts": Self.attemptsMax, "delay": "100ms", "max_delay": "1s"]],
            "tasks": items,
        ]
        return try JSONSerialization.data(withJSONObject: workflow, options: [.prettyPrinted, .sortedKeys])
    }
}
