import BatonPlatforms
import BatonTestSupport
import Foundation
import Testing

/// A process platform on a fresh temporary root, with bounded polling helpers.
struct ProcessFixture {
    /// A ceiling of two minutes: generous for a loaded machine, which only makes polls take longer.
    static let pollStepsMax = 6_000
    static let pollStep: Duration = .milliseconds(20)

    let temporary = TemporaryDirectory("process-platform")
    var root: String { temporary.appending("runs") }
    let clock = ManualSimClock()

    /// A platform instance on the fixture's root (a new one simulates a host restart).
    func makePlatform() -> ProcessPlatform {
        ProcessPlatform(root: root, clock: clock, workingDirectory: temporary.path)
    }

    /// The attempt directory of a key without special characters.
    func attemptDirectory(_ key: String) -> String { root + "/" + key }

    /// Polls until the run is terminal; fails the test after the bound.
    func awaitTerminal(_ platform: ProcessPlatform, _ id: PlatformRunID) async throws -> PlatformRunStatus.State {
        for _ in 0..<Self.pollStepsMax {
            let status = try await platform.status(of: id)
            if status.isTerminal { return status.state }
            try await Task.sleep(for: Self.pollStep)
        }
        Issue.record("run \(id) did not finish within the polling bound")
        return try await platform.status(of: id).state
    }

    /// Polls until `condition` holds; false after the bound.
    func eventually(_ condition: () async -> Bool) async throws -> Bool {
        for _ in 0..<Self.pollStepsMax {
            if await condition() { return true }
            try await Task.sleep(for: Self.pollStep)
        }
        return await condition()
    }

    /// The file's text, or "" when it is missing.
    func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// The supervisor pid recorded in an attempt directory.
    func supervisorPID(_ key: String) -> Int32? {
        Int32(read(attemptDirectory(key) + "/pid").split(separator: " ").first ?? "")
    }

    /// True while `pid` exists and is not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)]
        return state != "Z" && state != "X"
    }
}
