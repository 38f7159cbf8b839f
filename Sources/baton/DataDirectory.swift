import BatonEngine
import BatonLog
import BatonModel
import BatonPlatforms
import BatonState
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

    /// The projection of the log, opened read-only (safe beside a writer), for commands that only
    /// look; prints the error and exits 3 when the log cannot be read.
    func readState(reader: String) throws -> EngineState {
        let log = try openLog(readOnly: true)
        defer { log.close() }
        let runtime = Runtime(log: log, platforms: PlatformSet([:]), clock: SystemEngineClock(), options: RuntimeOptions(dispatcherID: reader))
        do {
            try runtime.recover()
        } catch {
            printError("baton: \(error)")
            throw BatonExit.storage
        }
        return runtime.state
    }

    /// The platforms a local process dispatches to.
    func platforms(clock: SystemEngineClock) -> PlatformSet {
        PlatformSet([
            "sim": SimPlatform(clock: clock),
            "process": ProcessPlatform(root: runsPath, clock: clock),
        ], factories: PlatformSet.remoteFactories)
    }

    /// A runtime dispatching to this directory's platforms as `<role>-<pid>@<host>`, with the
    /// secrets of `registry`'s stores (default: the environment's `BATON_SECRET_<NAME>`);
    /// `configure` adjusts the rest of its options.
    /// - Throws: `BatonExit.badInput` when a secret store cannot be read.
    func runtime(_ log: EventLog, role: String, clock: SystemEngineClock, registry: ConnectionRegistry? = nil,
                 configure: (inout RuntimeOptions) -> Void = { _ in }) throws -> Runtime {
        let id = "\(role)-\(ProcessInfo.processInfo.processIdentifier)@\(ProcessInfo.processInfo.hostName)"
        let secrets = try RegistryFile.secrets(registry?.secretStores ?? [SecretStoreSpec(provider: .env)])
        var options = RuntimeOptions(dispatcherID: id, secrets: secrets)
        options.secretStores = try RegistryFile.remoteStores(registry?.secretStores ?? [])
        configure(&options)
        return Runtime(log: log, platforms: platforms(clock: clock), clock: clock, options: options)
    }

    /// `key=value` arguments as a dictionary.
    /// - Throws: `BatonExit.badInput` (after saying which argument) when one has no `=` or no key.
    static func parameters(_ list: [String], option: String = "--param") throws -> [String: String] {
        var result: [String: String] = [:]
        for param in list {
            guard let equals = param.firstIndex(of: "="), equals != param.startIndex else {
                printError("baton: \(option) \(param): expected key=value")
                throw BatonExit.badInput
            }
            result[String(param[..<equals])] = String(param[param.index(after: equals)...])
        }
        return result
    }
}
