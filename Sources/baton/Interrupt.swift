import Foundation

/// Turns SIGINT (Ctrl-C) into cancellation of the work it wraps.
enum Interrupt {
    static func cancellingOnSIGINT<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let work = Task { try await body() }
        source.setEventHandler { work.cancel() }
        source.resume()
        defer { source.cancel() }
        return try await work.value
    }
}
