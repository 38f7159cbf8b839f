import Foundation

/// A `baton debug-append` child whose acknowledgements are read line by line.
public final class AppendingChild: @unchecked Sendable {
    // Safety: `lines` and `buffer` are touched only with `lock` held.
    public struct Ack: Sendable {
        public let first: UInt64
        public let last: UInt64
        public let label: String
    }

    private let process = Process()
    private let pipe = Pipe()
    private let lock = NSCondition()
    private var acks: [Ack] = []
    private var buffer = Data()

    public init(data: String, tag: String, batch: Int, count: Int = 0, events: Bool = false) throws {
        process.executableURL = URL(fileURLWithPath: BuiltProducts.path(of: "baton"))
        process.arguments = ["debug-append", "--data", data, "--tag", tag, "--batch", "\(batch)", "--count", "\(count)"] + (events ? ["--events"] : [])
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            self?.consume(handle.availableData)
        }
        try process.run()
    }

    private func consume(_ data: Data) {
        lock.lock()
        defer { lock.unlock() }
        buffer.append(data)
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
            buffer.removeSubrange(buffer.startIndex...newline)
            let fields = line.split(separator: " ")
            if fields.count == 4, fields[0] == "ack", let first = UInt64(fields[1]), let last = UInt64(fields[2]) {
                acks.append(Ack(first: first, last: last, label: String(fields[3])))
            }
        }
        lock.broadcast()
    }

    /// Waits (off the cooperative pool) until `count` acknowledgements arrived or the child ended.
    public func waitForAcks(atLeast count: Int) async {
        _ = try? await offThePool { [self] in
            lock.lock()
            while acks.count < count && process.isRunning {
                _ = lock.wait(until: Date().addingTimeInterval(0.05))
            }
            lock.unlock()
        }
    }

    /// Waits for a normal exit and returns every acknowledgement.
    public func waitForExit() async -> [Ack] {
        (try? await offThePool { [self] in
            _ = ChildExit(process).wait()
            return finish()
        }) ?? []
    }

    /// SIGKILLs the child and returns every acknowledgement it printed before dying.
    public func kill() -> [Ack] {
        Foundation.kill(process.processIdentifier, SIGKILL)
        _ = ChildExit(process).wait()
        return finish()
    }

    private func finish() -> [Ack] {
        pipe.fileHandleForReading.readabilityHandler = nil
        consume(pipe.fileHandleForReading.readDataToEndOfFile())
        lock.lock()
        defer { lock.unlock() }
        return acks
    }
}
