import Glibc

/// Finds the file `argv[0]` names, as `execvp` would, so a missing or unusable program is
/// reported at submit time (`.invalid`) instead of as exit status 126 or 127.
enum ExecutableResolver {
    /// The search path when the environment has no `PATH`.
    static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"
    /// The most `PATH` entries examined.
    static let searchPathEntriesMax = 256

    /// Why a name does not lead to a program that can run.
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// No file of that name (on the path, or at the path given).
        case notFound
        /// A file exists but is not a regular file (a directory, a device, ...).
        case notARegularFile(String)
        /// A regular file exists but may not be executed (no execute permission, noexec mount).
        case notExecutable(String)

        var description: String {
            switch self {
            case .notFound: return "executable not found"
            case .notARegularFile(let path): return "not a regular file: \(path)"
            case .notExecutable(let path): return "not executable (no execute permission): \(path)"
            }
        }
    }

    /// The absolute path of an executable regular file for `name`. A name with a `/` is taken
    /// relative to `workingDirectory`; otherwise each `PATH` entry is tried in order, and the
    /// first file found that cannot run is reported when no entry has one that can (as
    /// `execvp` reports `EACCES` over `ENOENT`).
    static func resolve(_ name: String, searchPath: String?, workingDirectory: String) -> Result<String, Failure> {
        guard !name.isEmpty else { return .failure(.notFound) }
        if name.contains("/") {
            return check(name.hasPrefix("/") ? name : workingDirectory + "/" + name)
        }
        var unusable: Failure?
        let entries = (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false)
        for entry in entries.prefix(searchPathEntriesMax) {
            let directory = entry.isEmpty ? workingDirectory : (entry.hasPrefix("/") ? String(entry) : workingDirectory + "/" + entry)
            switch check(directory + "/" + name) {
            case .success(let path): return .success(path)
            case .failure(.notFound): continue
            case .failure(let failure): unusable = unusable ?? failure
            }
        }
        return .failure(unusable ?? .notFound)
    }

    private static func check(_ path: String) -> Result<String, Failure> {
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(.notFound) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notARegularFile(path)) }
        return access(path, X_OK) == 0 ? .success(path) : .failure(.notExecutable(path))
    }
}
