import BatonEngine
import BatonLog
import BatonPlatforms
import Foundation

/// The layout of a data directory: the log in `log/`, process attempts in `runs/`.
struct DataDirectory {
    let path: String

    var logPath: String { EventLog.directory(inData: path) }
    var runsPath: String { path + "/runs" }

    /// Opens the log, printing a clear error and exiting 3 when that fails.
    func openLog(readOnly: Bool = false, archive: String? = nil) throws -> EventLog {
        do {
            return try EventLog(directory: logPath, clock: SystemLogClock(), options: .init(readOnly: readOnly, archiveDirectory: archive))
        } catch {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
    }

    /// The platforms a local process dispatches to.
    func platforms(clock: SystemEngineClock) -> PlatformSet {
        PlatformSet([
            "sim": SimPlatform(clock: clock),
            "process": ProcessPlatform(root: runsPath, clock: clock),
        ])
    }

    /// Secret values from `BATON_SECRET_<name>` environment variables.
    static func secrets() -> [String: String] {
        var secrets: [String: String] = [:]
        for (key, value) in ProcessInfo.processInfo.environment where key.hasPrefix("BATON_SECRET_") {
            secrets[String(key.dropFirst("BATON_SECRET_".count))] = value
        }
        return secrets
    }
}
