import Glibc

/// Finds the file `argv[0]` names, as `execvp` would, so a missing program is reported at
/// submit time (`.invalid`) instead of as exit status 127.
enum ExecutableResolver {
    /// The search path when the environment has no `PATH`.
    static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"
    /// The most `PATH` entries examined.
    static let searchPathEntriesMax = 256

    /// The absolute path of an executable regular file for `name`, or nil. A name with a `/` is
    /// taken relative to `workingDirectory`; otherwise each `PATH` entry is tried in order.
    static func resolve(_ name: String, searchPath: String?, workingDirectory: String) -> String? {
        guard !name.isEmpty else { return nil }
        if name.contains("/") {
            let candidate = name.hasPrefix("/") ? name : workingDirectory + "/" + name
            return isExecutableFile(candidate) ? candidate : nil
        }
        let entries = (searchPath ?? defaultSearchPath).split(separator: ":", omittingEmptySubsequences: false)
        for entry in entries.prefix(searchPathEntriesMax) {
            let directory = entry.isEmpty ? workingDirectory : (entry.hasPrefix("/") ? String(entry) : workingDirectory + "/" + entry)
            let candidate = directory + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
