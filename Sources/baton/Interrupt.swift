import Foundation
import Synchronization

/// SIGTERM and SIGINT for a long-running command, handled from its first instruction.
///
/// Start one before anything slow (opening the log, recovery): from then on the signals no longer
/// kill the process. One that arrives before the work is running is remembered, so the command
/// stops as soon as recovery is done instead of dying half-way through start-up (`systemctl stop`
/// of a host that is still replaying its log); one that arrives later stops the work, through
/// `onStop` or by cancelling what `cancelling` runs.
final class Interrupt: @unchecked Sendable {
    private struct Inner {
        var signal: Int32?
        var onStop: (@Sendable () -> Void)?
    }

    /// A class around the mutex, so the signal handlers can hold it too.
    private final class Shared: Sendable {
        let inner = Mutex(Inner())
    }

    private let shared = Shared()
    // Safety: `sources` is set once in `init` and only cancelled in `deinit` (dispatch sources
    // are thread-safe); everything that changes sits in `inner`, a mutex.
    private let sources: [any DispatchSourceSignal]

    init() {
        let shared = self.shared
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let action = shared.inner.withLock { state -> (@Sendable () -> Void)? in
                    if state.signal == nil { state.signal = number }
                    return state.onStop
                }
                action?()
            }
            source.resume()
            return source
        }
    }

    deinit { sources.forEach { $0.cancel() } }

    /// The first signal received, if any.
    var received: Int32? { shared.inner.withLock { $0.signal } }

    /// Calls `action` on the next signal, or at once when one has arrived already.
    func onStop(_ action: @escaping @Sendable () -> Void) {
        let already = shared.inner.withLock { state -> Bool in
            state.onStop = action
            return state.signal != nil
        }
        if already { action() }
    }

    /// Runs `body`, cancelling it on a signal (at once if one arrived before).
    /// - Throws: what `body` throws; `CancellationError` when it was cancelled that way.
    func cancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        onStop { work.cancel() }
        defer { shared.inner.withLock { $0.onStop = nil } }
        return try await work.value
    }
}
