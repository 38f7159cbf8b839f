import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

// Helpers for tests that talk to a real `baton serve` on 127.0.0.1. Waits are conditions with
// generous ceilings, never speed claims: a busy machine only makes them take longer.

/// The port the host's API bound (from its JSON log).
func apiPort(_ host: BatonProcess.Running) async throws -> Int? {
    var port: Int?
    _ = try await eventually(240) {
        for line in host.stderr.split(separator: "\n") where line.contains("API listening") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            port = (object?["port"] as? String).flatMap(Int.init)
        }
        return port != nil
    }
    return port
}

/// A TCP connection to the API on 127.0.0.1 (the caller closes it).
func connectToAPI(_ port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    try #require(connected == 0, "connect to the API failed")
    return fd
}

/// A raw connection reading `/v1/events`, left open (the caller closes it).
func openEventStream(_ port: Int) throws -> Int32 {
    let fd = try connectToAPI(port)
    let request = Array("GET /v1/events?after=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    return fd
}

/// Sends `request` as raw bytes and returns everything the server wrote until it closed.
func rawExchange(_ port: Int, _ request: [UInt8]) throws -> String {
    let fd = try connectToAPI(port)
    defer { close(fd) }
    // A ceiling for a server that never answers, far beyond any slow machine.
    var ceiling = timeval(tv_sec: 120, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &ceiling, socklen_t(MemoryLayout<timeval>.size))
    var sent = 0
    while sent < request.count {
        let written = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        // The server may answer and close before reading it all.
        if written <= 0 { break }
        sent += written
    }
    var answer: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    for _ in 0..<10_000 {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        answer += buffer[0..<count]
    }
    return String(decoding: answer, as: UTF8.self)
}

func http(_ port: Int, _ method: String, _ path: String, _ body: String? = nil) async throws -> (body: String, status: Int) {
    var request = URLRequest(url: try #require(URL(string: "http://127.0.0.1:\(port)\(path)")))
    request.httpMethod = method
    request.httpBody = body.map { Data($0.utf8) }
    let (data, response) = try await URLSession.shared.data(for: request)
    return (String(decoding: data, as: UTF8.self), (response as? HTTPURLResponse)?.statusCode ?? 0)
}

/// Polls `condition` every 200 ms for up to `seconds`.
func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return try await condition()
}

func replay(_ data: String, _ arguments: [String] = []) async throws -> String {
    try await BatonProcess.run(["replay", "--data", data] + arguments).stdout
}

/// Starts `baton serve` on `workflows` and `data`, JSON logs, any free port.
func startHost(workflows: String, data: String, _ extra: [String] = []) throws -> BatonProcess.Running {
    try BatonProcess.start(["serve", "--workflows", workflows, "--data", data, "--log-format", "json", "--listen", "127.0.0.1:0"] + extra)
}

/// SIGTERMs the host and returns its exit status once it is gone.
func stopHost(_ host: BatonProcess.Running) async -> Int32 {
    kill(host.processIdentifier, SIGTERM)
    return await host.exitCode
}
