import Foundation
import Glibc

extension ProcessPlatform {
    /// The run's state, read from its attempt directory (works from the ID alone after a restart).
    /// - Throws: `.notFound` for an ID this platform did not issue or whose directory is gone.
    public func status(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus {
        reaper.reapExited()
        guard let path = AttemptPath(runID: run), AttemptFiles.exists(directory(of: path)) else {
            throw .notFound("status of \(run): no such process run under \(root)")
        }
        return PlatformRunStatus(runID: run, state: state(of: path))
    }

    /// The run under the key, or nil when nothing claimed it.
    /// - Throws: `.invalid` when the key is not `run/task/attempt`.
    public func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus? {
        reaper.reapExited()
        guard let path = AttemptPath(idempotencyKey: idempotencyKey) else {
            throw .invalid("look up \(idempotencyKey): idempotency key is not run/task/attempt")
        }
        guard AttemptFiles.exists(directory(of: path)) else { return nil }
        return PlatformRunStatus(runID: path.runID, state: state(of: path))
    }

    /// The attempt's stdout and stderr files, the last `tailBytes` of each.
    /// - Throws: `.notFound` for an ID this platform did not issue or whose directory is gone.
    public func logs(of run: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        guard let path = AttemptPath(runID: run), AttemptFiles.exists(directory(of: path)) else {
            throw .notFound("logs of \(run): no such process run under \(root)")
        }
        let directory = directory(of: path)
        var sections: [String] = []
        for stream in ["stdout", "stderr"] {
            let text = AttemptFiles.readTail(at: directory + "/" + stream, bytesMax: tailBytes)
            sections.append("── \(stream) (\(directory)/\(stream))\n" + (text.isEmpty ? "(empty)\n" : text + (text.hasSuffix("\n") ? "" : "\n")))
        }
        return PlatformLog(text: sections.joined(), note: "the last \(tailBytes) bytes of each file")
    }

    /// Records the cancellation, then sends SIGTERM to the supervisor's session (the command and
    /// its children). A finished run keeps its outcome. Repeating it re-sends the signal.
    /// - Throws: `.notFound` for an unknown run; `.transient` when the marker cannot be written
    ///   or the signal cannot be sent.
    public func cancel(_ run: PlatformRunID) async throws(PlatformError) {
        reaper.reapExited()
        guard let path = AttemptPath(runID: run), AttemptFiles.exists(directory(of: path)) else {
            throw .notFound("cancel of \(run): no such process run under \(root)")
        }
        let directory = directory(of: path)
        if AttemptFiles.exists(directory + "/exit") { return }
        // Marked first: a crash between marking and signalling leaves a run that reports
        // cancelled and a repeated cancel signals again; the reverse order would report a
        // vanished supervisor as a failure.
        let code = AttemptFiles.writeAtomically("\(clock.nowMicros())\n", to: directory + "/cancelled", directory: directory)
        guard code == 0 else { throw .transient("cancel of \(run): cannot write the cancel marker: \(AttemptFiles.describe(code))") }
        guard let text = AttemptFiles.readText(at: directory + "/pid", bytesMax: 256),
              let record = SupervisorRecord(parsing: text), record.isAlive()
        else { return }  // Never started or already gone; the supervisor checks the marker before starting.
        // The supervisor leads its own session and process group, so -pid reaches the command too.
        if kill(-record.pid, SIGTERM) != 0 && errno != ESRCH {
            throw .transient("cancel of \(run): cannot signal process group \(record.pid): \(AttemptFiles.describe(errno))")
        }
    }

    /// Proves an attempt could start: the attempt root can be created and written, the working
    /// directory entered, and the supervisor's shell run.
    /// - Throws: `.invalid` naming what is missing.
    public func check() async throws(PlatformError) -> String {
        let code = AttemptFiles.makeDirectories(root)
        guard code == 0 else { throw .invalid("process: cannot create the attempt directory \(root): \(AttemptFiles.describe(code))") }
        var info = stat()
        guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .invalid("process: the attempt directory \(root) is not a directory")
        }
        guard access(root, W_OK | X_OK) == 0 else {
            throw .invalid("process: the attempt directory \(root) is not writable: \(AttemptFiles.describe(errno))")
        }
        guard access(workingDirectory, X_OK) == 0 else {
            throw .invalid("process: the working directory \(workingDirectory) cannot be entered: \(AttemptFiles.describe(errno))")
        }
        guard access("/bin/sh", X_OK) == 0 else { throw .invalid("process: /bin/sh, the supervisor's shell, cannot be run") }
        return "process: attempt directory \(root) writable, working directory \(workingDirectory), /bin/sh present"
    }

    /// Derives the state from the files: `cancelled`, then `exit`, then `pid` and liveness.
    func state(of path: AttemptPath) -> PlatformRunStatus.State {
        let directory = directory(of: path)
        if AttemptFiles.exists(directory + "/cancelled") { return .cancelled }
        if let finished = finishedState(path) { return finished }
        guard let text = AttemptFiles.readText(at: directory + "/pid", bytesMax: 256) else {
            // Claimed, not (yet) started; a re-submit of the key starts or adopts it.
            return .pending
        }
        guard let record = SupervisorRecord(parsing: text) else {
            return .failed(message: "pid file \(path.relative)/pid is malformed: \(Self.quote(text))")
        }
        if record.isAlive() { return .running }
        // The supervisor may have written `exit` between the first check and the liveness check.
        if let finished = finishedState(path) { return finished }
        return .failed(message: "supervisor vanished (pid \(record.pid)) without writing an exit status; see \(path.relative)/\(SupervisorSpawner.logName)")
    }

    /// The final state from `exit`, or nil while it is absent.
    private func finishedState(_ path: AttemptPath) -> PlatformRunStatus.State? {
        let directory = directory(of: path)
        guard let text = AttemptFiles.readText(at: directory + "/exit", bytesMax: 64) else { return nil }
        guard let code = Int32(text.trimmingWhitespace()) else {
            return .failed(message: "exit file \(path.relative)/exit is malformed: \(Self.quote(text))")
        }
        guard code == 0 else {
            let stderr = AttemptFiles.readTail(at: directory + "/stderr", bytesMax: 4 * Self.stderrQuoteBytesMax)
            let line = Self.lastLine(of: stderr)
            return .failed(message: "exit status \(code); " + (line.isEmpty ? "stderr empty" : "last stderr line: \(line)"))
        }
        return output(path)
    }

    /// Success with the contents of `output.json`, or a failure naming the file when it is not
    /// a JSON object.
    private func output(_ path: AttemptPath) -> PlatformRunStatus.State {
        let file = "\(path.relative)/output.json"
        switch AttemptFiles.read(at: directory(of: path) + "/output.json", bytesMax: Self.outputBytesMax) {
        case .missing:
            return .succeeded(outputJSON: "")
        case .tooLarge:
            return .failed(message: "output file \(file) is larger than \(Self.outputBytesMax) bytes")
        case .failed(let code):
            return .failed(message: "output file \(file) is unreadable: \(AttemptFiles.describe(code))")
        case .bytes(let bytes):
            let parsed = try? JSONSerialization.jsonObject(with: Data(bytes))  // Any parse error means "not JSON".
            guard parsed is [String: Any] else {
                return .failed(message: "output file \(file) is not a JSON object: \(Self.quote(String(decoding: bytes, as: UTF8.self)))")
            }
            return .succeeded(outputJSON: String(decoding: bytes, as: UTF8.self).trimmingWhitespace())
        }
    }

    /// The last non-empty line of `text`, cut to `stderrQuoteBytesMax` bytes.
    static func lastLine(of text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) } ?? ""
        return quote(String(line))
    }

    /// `text` trimmed and cut to `stderrQuoteBytesMax` bytes (on a character boundary), with "…".
    static func quote(_ text: String) -> String {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.utf8.count > stderrQuoteBytesMax else { return trimmed }
        var cut = ""
        for character in trimmed {
            guard cut.utf8.count + character.utf8.count <= stderrQuoteBytesMax else { break }
            cut.append(character)
        }
        return cut + "…"
    }
}
