public import Foundation
import Synchronization

/// A child's exit, learned with `waitpid` instead of Foundation's termination notice: on Linux
/// that notice can be missed when many children start and end at once (the child stays a zombie
/// and `Process.waitUntilExit` spins forever), which hung a whole test run.
public final class ChildExit: Sendable {
    /// The exit status, or the signal number when `bySignal`.
    public struct Status: Sendable, Equatable {
        public let code: Int32
        public let bySignal: Bool

        public init(code: Int32, bySignal: Bool) {
            self.code = code
            self.bySignal = bySignal
        }
    }

    private let pid: pid_t
    private let reaped = Mutex<Status?>(nil)
    /// How long `wait` polls before it gives up on a child (a generous ceiling, not a timing assumption).
    public static let waitMax: Duration = .seconds(600)

    /// Asked for its termination fields only once it is known to have ended.
    private let unsafeProcess: Process

    public init(_ process: Process) {
        self.pid = process.processIdentifier
        self.unsafeProcess = process
    }

    /// The status once the child has ended, nil while it runs.
    public func poll() -> Status? {
        reaped.withLock { known in
            if let known { return known }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                let signal = raw & 0x7f
                known = signal == 0 ? Status(code: (raw >> 8) & 0xff, bySignal: false) : Status(code: signal, bySignal: true)
            } else if result == -1, errno == ECHILD, !unsafeProcess.isRunning {
                // Foundation reaped it first and knows how it ended.
                known = Status(code: unsafeProcess.terminationStatus, bySignal: unsafeProcess.terminationReason == .uncaughtSignal)
            }
            return known
        }
    }

    /// Blocks until the child has ended (polling every 5 ms, up to `waitMax`).
    public func wait() -> Status {
        let deadline = ContinuousClock.now + Self.waitMax
        while ContinuousClock.now < deadline {
            if let status = poll() { return status }
            usleep(5_000)
        }
        return Status(code: -1, bySignal: false)
    }
}
