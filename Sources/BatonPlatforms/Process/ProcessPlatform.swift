import Foundation
import Glibc

/// Runs an argv as a local process, detached in its own session so it outlives Baton, and
/// idempotent by key through one directory per attempt: `root/<run>/<task>/<attempt>/`.
///
/// Creating the attempt directory claims the key; the supervisor's `pid` file says the work was
/// started; its `exit` file says how it ended. All state lives in those files, so a new instance
/// on the same root (after a host restart) answers for runs an earlier one started. See
/// `Specs/process-platform.md`. Thread-safe; calls block on short file operations and, in
/// `submit`, wait at most `pidWaitMax` for a supervisor to start.
public final class ProcessPlatform: Platform {
    /// How long `submit` waits for a new supervisor to write its `pid`.
    public static let pidWaitMax: Duration = .seconds(5)
    /// How long `submit` waits for the `pid` of a directory another caller claimed, before
    /// concluding that caller crashed before spawning.
    public static let claimWaitMax: Duration = .seconds(2)
    /// The step of both waits.
    static let pollInterval: Duration = .milliseconds(10)
    /// The largest `output.json` accepted.
    public static let outputBytesMax = 1 << 20
    /// How much of the stderr line a failure message quotes.
    public static let stderrQuoteBytesMax = 512

    let root: String
    let workingDirectory: String
    let clock: any SimClock
    let reaper = ChildReaper()

    /// Makes a platform keeping attempt directories under `root` (usually `DATA/runs`).
    /// Commands run in `workingDirectory` (default: the current directory at init).
    public init(root: String, clock: any SimClock, workingDirectory: String? = nil) {
        let current = FileManager.default.currentDirectoryPath
        self.root = Self.absolute(root, from: current)
        self.workingDirectory = Self.absolute(workingDirectory ?? current, from: current)
        self.clock = clock
    }

    public var capabilities: PlatformCapabilities {
        PlatformCapabilities(canLookUpByKey: true, canCancel: true, pendingByKeyIsUnstarted: true)
    }

    /// Starts the command under the key, or returns the run an earlier submit started.
    /// - Throws: `.invalid` for a malformed key, an empty command, a missing executable or a bad
    ///   environment name; `.transient` when the process cannot be spawned or does not start in
    ///   time, or the directory cannot be created.
    public func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID {
        reaper.reapExited()
        let key = request.idempotencyKey
        guard let path = AttemptPath(idempotencyKey: key) else {
            throw .invalid("submit \(key): idempotency key is not run/task/attempt")
        }
        let directory = self.directory(of: path)
        if AttemptFiles.exists(directory) {
            if await waitForPID(in: directory, steps: Self.steps(Self.claimWaitMax)) { return path.runID }
            try moveAside(directory, key: key)
        }
        let plan = try launchPlan(for: request, directory: directory)
        guard try claim(directory, key: key) else {
            // Another submit claimed it between our check and our mkdir: its pid decides.
            if await waitForPID(in: directory, steps: Self.steps(Self.claimWaitMax)) { return path.runID }
            throw .transient("submit \(key): claimed concurrently by another submit that has not started it yet")
        }
        let pid: pid_t
        switch SupervisorSpawner.spawn(argv: plan.argv, environment: plan.environment, logPath: directory + "/" + SupervisorSpawner.logName) {
        case .success(let spawned): pid = spawned
        case .failure(let failure):
            throw .transient("submit \(key): cannot spawn the supervisor for \(plan.executable): \(AttemptFiles.describe(failure.code))" + releaseClaim(directory))
        }
        reaper.track(pid)
        try await awaitStart(of: pid, in: directory, key: key)
        return path.runID
    }

    /// The attempt directory's absolute path.
    func directory(of path: AttemptPath) -> String { root + "/" + path.relative }

    /// What to spawn: the supervisor argv and the full environment.
    private struct LaunchPlan {
        let executable: String
        let argv: [String]
        let environment: [String]
    }

    private func launchPlan(for request: SubmitRequest, directory: String) throws(PlatformError) -> LaunchPlan {
        let key = request.idempotencyKey
        let command = request.job.list("command") ?? []
        guard let program = command.first else { throw .invalid("submit \(key): empty command") }
        var environment = ProcessInfo.processInfo.environment
        for name in request.environment.keys.sorted() {
            // Names only in messages: values may be secrets.
            guard !name.isEmpty, !name.contains("="), !name.utf8.contains(0) else {
                throw .invalid("submit \(key): bad environment variable name \"\(name)\"")
            }
            guard !name.hasPrefix(SupervisorScript.reservedEnvironmentPrefix), name != "BATON_OUTPUT" else {
                throw .invalid("submit \(key): environment variable \(name) is reserved for the process platform")
            }
            guard request.environment[name]?.utf8.contains(0) != true else {
                throw .invalid("submit \(key): environment variable \(name) holds a NUL byte")
            }
        }
        environment.merge(request.environment) { _, new in new }
        environment["BATON_OUTPUT"] = directory + "/output.json"
        let executable: String
        switch ExecutableResolver.resolve(program, searchPath: environment["PATH"], workingDirectory: workingDirectory) {
        case .success(let path): executable = path
        case .failure(.notFound): throw .invalid("submit \(key): executable not found: \(program)")
        case .failure(let failure): throw .invalid("submit \(key): \(program): \(failure)")
        }
        guard command.allSatisfy({ !$0.utf8.contains(0) }) else {
            throw .invalid("submit \(key): an argument of \(program) holds a NUL byte")
        }
        let argv = SupervisorScript.argv(
            attemptDirectory: directory, workingDirectory: workingDirectory,
            executable: executable, arguments: Array(command.dropFirst())
        )
        return LaunchPlan(executable: executable, argv: argv, environment: environment.map { "\($0.key)=\($0.value)" })
    }

    /// Creates the attempt directory: the claim of the key. False when it already exists.
    private func claim(_ directory: String, key: String) throws(PlatformError) -> Bool {
        let parent = String(directory[..<(directory.lastIndex(of: "/") ?? directory.endIndex)])
        let code = AttemptFiles.makeDirectories(parent)
        guard code == 0 else { throw .transient("submit \(key): cannot create \(parent): \(AttemptFiles.describe(code))") }
        guard mkdir(directory, 0o700) == 0 else {
            let error = errno
            if error == EEXIST { return false }
            throw .transient("submit \(key): cannot create \(directory): \(AttemptFiles.describe(error))")
        }
        _ = AttemptFiles.syncDirectory(parent)  // Best effort: losing the claim in a power cut only costs a re-spawn.
        return true
    }

    /// Removes our own fresh claim after a failed spawn (nothing started) so a retry can claim
    /// again; returns a note for the error message when that fails (a retry then moves it aside).
    private func releaseClaim(_ directory: String) -> String {
        do {
            try FileManager.default.removeItem(atPath: directory)
            return ""
        } catch {
            return "; the claim \(directory) could not be removed: \(error)"
        }
    }

    /// A claimed directory whose owner never spawned: renamed to `<attempt>+abandoned-<micros>`
    /// (`+` never appears in an escaped component), kept for inspection.
    private func moveAside(_ directory: String, key: String) throws(PlatformError) {
        let target = directory + "+abandoned-\(clock.nowMicros())"
        guard rename(directory, target) == 0 else {
            let error = errno
            if error == ENOENT { return }  // Someone else moved it first.
            throw .transient("submit \(key): cannot move aside unstarted \(directory): \(AttemptFiles.describe(error))")
        }
    }

    /// Waits until the new supervisor wrote its `pid`, or reports why it did not.
    private func awaitStart(of pid: pid_t, in directory: String, key: String) async throws(PlatformError) {
        for _ in 0..<Self.steps(Self.pidWaitMax) {
            if AttemptFiles.exists(directory + "/pid") { return }
            let (exited, status) = reaper.reapIfExited(pid)
            if exited {
                if AttemptFiles.exists(directory + "/pid") { return }  // A command that finished at once.
                let log = AttemptFiles.readTail(at: directory + "/" + SupervisorSpawner.logName, bytesMax: Self.stderrQuoteBytesMax)
                try moveAside(directory, key: key)
                throw .transient("submit \(key): supervisor \(pid) exited (wait status \(status)) before starting: \(Self.lastLine(of: log))")
            }
            try? await Task.sleep(for: Self.pollInterval)  // Cancellation only shortens the bounded wait.
        }
        if AttemptFiles.exists(directory + "/pid") { return }
        throw .transient("submit \(key): supervisor \(pid) did not start within \(Self.pidWaitMax)")
    }

    /// Polls (bounded by `steps`) for the `pid` file of a directory another submit claimed.
    func waitForPID(in directory: String, steps: Int) async -> Bool {
        for _ in 0..<steps {
            if AttemptFiles.exists(directory + "/pid") { return true }
            try? await Task.sleep(for: Self.pollInterval)  // Cancellation only shortens the bounded wait.
        }
        return AttemptFiles.exists(directory + "/pid")
    }

    static func steps(_ wait: Duration) -> Int {
        Int(wait / pollInterval)
    }

    private static func absolute(_ path: String, from current: String) -> String {
        let joined = path.hasPrefix("/") ? path : current + "/" + path
        return joined.count > 1 && joined.hasSuffix("/") ? String(joined.dropLast()) : joined
    }
}
