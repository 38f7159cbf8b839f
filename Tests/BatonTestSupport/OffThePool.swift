import Foundation

/// Runs blocking `work` (waiting for a child process, reading a pipe to its end) on a thread of
/// its own and suspends until it returns.
///
/// Swift Testing runs tests in parallel on the cooperative pool, which has one thread per core:
/// two tests blocking in `waitUntilExit` on a two-core machine would freeze every other test
/// until they return, so a test's own timing (a command that should still be running) would
/// depend on its neighbours. Blocking calls go through here instead.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }
        thread.start()
    }
}
