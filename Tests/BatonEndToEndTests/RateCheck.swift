import BatonTestSupport
import Foundation

/// Checks a connection's rate limit on the times the limiter itself counts: the dispatch times in
/// the log (`baton replay --json`). Those are assigned by the writer inside the lock, so the check
/// is exact and a busy machine cannot bunch them up (process start times, which lag the dispatch
/// by however long a loaded machine takes to spawn, could).
enum RateCheck {
    /// The `time_us` of every `TaskDispatched` of `runID` (of every run for nil), in log order.
    static func dispatchTimes(data: String, runID: String?) async throws -> [Int64] {
        let lines = try await BatonProcess.run(["replay", "--data", data, "--json"] + (runID.map { ["--run", $0] } ?? [])).stdout.split(separator: "\n")
        return lines.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["type"] as? String == "TaskDispatched" else { return nil }
            return (object["time_us"] as? NSNumber)?.int64Value
        }
    }

    /// One line per group of more than `count` dispatches inside a span shorter than `window`.
    static func violations(dispatchTimes: [Int64], count: Int, window: Duration) -> [String] {
        let times = dispatchTimes.sorted()
        let windowMicros = window.components.seconds * 1_000_000 + window.components.attoseconds / 1_000_000_000_000
        guard times.count > count else { return [] }
        var problems: [String] = []
        for index in 0..<(times.count - count) where times[index + count] - times[index] < windowMicros {
            problems.append("rate: dispatches \(index)...\(index + count) (\(count + 1) of them) within \(times[index + count] - times[index]) µs")
        }
        return problems
    }
}
