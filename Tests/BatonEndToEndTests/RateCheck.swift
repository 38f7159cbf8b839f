import Foundation

/// Checks a connection's rate limit from the outside. No command shows the log's dispatch times
/// (`baton status` has none and there is no `baton replay` yet), so the process platform's
/// attempt directories stand in: the supervisor writes `pid` just before the command starts,
/// between the claim and the dispatch event, so its modification time is a start time.
enum RateCheck {
    /// The modification times of `DATA/runs/<run>/<task>/<attempt>/pid`, sorted (abandoned
    /// attempt directories included: a start is a start).
    static func pidFileTimes(data: String, runID: String) -> [Date] {
        let fileManager = FileManager.default
        let runDirectory = data + "/runs/" + runID
        var times: [Date] = []
        let taskDirectories = (try? fileManager.contentsOfDirectory(atPath: runDirectory)) ?? []
        for task in taskDirectories {
            let attempts = (try? fileManager.contentsOfDirectory(atPath: runDirectory + "/" + task)) ?? []
            for attempt in attempts {
                let pid = runDirectory + "/" + task + "/" + attempt + "/pid"
                if let time = (try? fileManager.attributesOfItem(atPath: pid))?[.modificationDate] as? Date { times.append(time) }
            }
        }
        return times.sorted()
    }

    /// One line per group of more than `count` starts inside a span shorter than `window`.
    static func violations(startTimes: [Date], count: Int, window: Duration) -> [String] {
        let seconds = Double(window.components.seconds) + Double(window.components.attoseconds) / 1e18
        guard startTimes.count > count else { return [] }
        var problems: [String] = []
        for index in 0..<(startTimes.count - count) {
            let span = startTimes[index + count].timeIntervalSince(startTimes[index])
            if span < seconds {
                problems.append("rate: starts \(index)...\(index + count) (\(count + 1) of them) within \(String(format: "%.3f", span)) s")
            }
        }
        return problems
    }
}
