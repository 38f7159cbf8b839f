import Foundation

/// Runs the built `baton` executable and collects what it printed.
public enum BatonProcess {
    /// The outcome of one run.
    public struct Output: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// True when it died of a signal (then `status` is the signal's number).
        public var killedBySignal = false
    }

    /// Runs `baton arguments...` to completion, waiting off the cooperative pool.
    public static func run(_ arguments: [String], executable: String = BuiltProducts.path(of: "baton"),
                           environment: [String: String] = [:]) async throws -> Output {
        try await offThePool { try runBlocking(arguments, executable: executable, environment: environment) }
    }

    /// Runs `baton arguments...` to completion, blocking the calling thread.
    public static func runBlocking(_ arguments: [String], executable: String = BuiltProducts.path(of: "baton"),
                                   environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Drain stderr concurrently so a chatty child cannot fill the pipe and stall.
        let errData = LockedData()
        let errReader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errReader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let exit = ChildExit(process).wait()
        while !errData.isSet { usleep(1_000) }
        return Output(status: exit.code, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData.value, as: UTF8.self),
                      killedBySignal: exit.bySignal)
    }
}

extension BatonProcess {
    /// A `baton` child running in the background; its stdout is discarded, its stderr kept in a file.
    public final class Running: @unchecked Sendable {
        // Safety: `process` is started once in `init`; afterwards only its thread-safe queries,
        // `waitUntilExit` and a signal are used.
        private let process = Process()
        private let errorPath: String
        private var exit: ChildExit!

        init(_ arguments: [String], executable: String, environment: [String: String] = [:]) throws {
            errorPath = NSTemporaryDirectory() + "baton-child-\(UInt64.random(in: 0...UInt64.max)).err"
            _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            if !environment.isEmpty {
                process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
            try process.run()
            exit = ChildExit(process)
        }

        deinit { try? FileManager.default.removeItem(atPath: errorPath) }

        /// Its process ID, for sending signals.
        public var processIdentifier: Int32 { process.processIdentifier }

        /// Whether it has not exited yet.
        public var isRunning: Bool { exit.poll() == nil }

        /// SIGKILLs it and waits until it is gone.
        public func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            _ = exit.wait()
        }

        /// Waits (off the cooperative pool) for it to exit and returns its status.
        public var exitCode: Int32 {
            get async {
                (try? await offThePool { [self] in exit.wait().code }) ?? -1
            }
        }

        /// What it printed to stderr so far.
        public var stderr: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }
    }

    /// Starts `baton arguments...` in the background.
    public static func start(_ arguments: [String], executable: String = BuiltProducts.path(of: "baton"),
                             environment: [String: String] = [:]) throws -> Running {
        try Running(arguments, executable: executable, environment: environment)
    }
}

/// Data handed from a reader thread.
final class LockedData: @unchecked Sendable {
    // Safety: every access holds `lock`.
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}
