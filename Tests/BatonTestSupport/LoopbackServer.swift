import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A test server run as a child process that listens on 127.0.0.1 and prints `PORT <n>` as its
/// first line (the fakes in `Tools/fakes`, moto, the real servers of `Tools/servers`). Its standard
/// input stays open while it lives: a server that must clean up (a Ray cluster) stops when it
/// closes, which also happens when the test process dies. Stopped when released.
public final class LoopbackServer: @unchecked Sendable {
    // Safety: `process` is started once in `init`; afterwards only a signal and waitUntilExit.
    private let process = Process()
    private let input = Pipe()
    public let port: Int

    /// The repository's root, from this file's place in it.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Starts `executable arguments...` and waits (off the cooperative pool, up to 2 minutes) for its port.
    public static func start(_ executable: String, _ arguments: [String], startMax: Double = 120) async throws -> LoopbackServer {
        try await offThePool { try LoopbackServer(executable, arguments, startMax: startMax) }
    }

    private init(_ executable: String, _ arguments: [String], startMax: Double) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = input
        // Its stderr goes to a file, so a server that does not come up can say why.
        let errorPath = NSTemporaryDirectory() + "baton-server-\(UInt64.random(in: 0...UInt64.max)).err"
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        try process.run()
        var line = Data()
        let deadline = Date().addingTimeInterval(startMax)
        while Date() < deadline {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            let said = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
            throw ServerError(description: "\(arguments.first ?? executable) did not announce a port (got \"\(text)\"): \(said.suffix(2_000))")
        }
        self.port = port
    }

    deinit {
        // SIGKILL, not SIGTERM: a child inherits the test process's blocked signals, so a SIGTERM
        // could stay pending forever. A server that must clean up watches its input instead.
        try? input.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        _ = ChildExit(process).wait()
    }

    /// A GET of `path` on it, as JSON (for a fake's counters).
    public func json(_ path: String) async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
    }

    struct ServerError: Error, CustomStringConvertible {
        let description: String
    }
}
