import BatonTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A data directory on a small tmpfs that fills up during work. Mounting needs root (CI runs as
/// root); elsewhere the suite is skipped and says so.
@Suite(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct FullDiskTests {
    /// A tmpfs of `megabytes` at a fresh directory, unmounted by `unmount`.
    struct SmallDisk {
        let path: String

        init(megabytes: Int) throws {
            path = TemporaryDirectory("fulldisk").path
            try Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path])
        }

        /// Takes `kilobytes` of the space with a file that `release` deletes.
        func fill(kilobytes: Int) throws {
            try Data(count: kilobytes * 1_024).write(to: URL(fileURLWithPath: path + "/filler"))
        }

        /// Takes all the free space but `kilobytes`.
        func fill(leaving kilobytes: Int) throws {
            let free = try #require(try FileManager.default.attributesOfFileSystem(forPath: path)[.systemFreeSize] as? NSNumber).intValue
            try fill(kilobytes: max(0, free / 1_024 - kilobytes))
        }

        func release() throws { try FileManager.default.removeItem(atPath: path + "/filler") }

        func unmount() {
            try? Self.command("/bin/umount", [path])
            try? FileManager.default.removeItem(atPath: path)
        }

        static func command(_ executable: String, _ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            try process.run()
            try #require(ChildExit(process).wait().code == 0, "\(executable) \(arguments) failed")
        }
    }

    @Test func runNamesTheFullDeviceAndResumesOnceThereIsSpace() async throws {
        let disk = try SmallDisk(megabytes: 6)
        defer { disk.unmount() }
        try disk.fill(kilobytes: 4_600)
        let file = disk.path + "/wide.yaml"
        try "name: wide\nconnections:\n  s: { platform: sim, max_in_flight: 50 }\ndefaults: { connection: s }\ntasks:\n  t: { replicas: 5000 }\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let data = disk.path + "/data"
        let full = try await BatonProcess.run(["run", file, "--data", data, "--run-id", "f1"])
        #expect(full.status == 3, "\(full.stderr)")
        #expect(full.stderr.contains("append to log at \(data)/log: no space left on device"), "\(full.stderr)")
        #expect(!full.stderr.contains("Input/output error"))
        try disk.release()
        let resumed = try await BatonProcess.run(["run", file, "--data", data, "--run-id", "f1"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("5000 succeeded"))
        #expect(try await BatonProcess.run(["replay", "--data", data, "--verify"]).status == 0)
    }

    @Test func theHostRefusesWritesWhileFullAndCarriesOnWhenSpaceReturns() async throws {
        let disk = try SmallDisk(megabytes: 16)
        defer { disk.unmount() }
        let workflows = disk.path + "/workflows"
        try FileManager.default.createDirectory(atPath: workflows, withIntermediateDirectories: true)
        try "name: w\nconnections:\n  s: { platform: sim, max_in_flight: 20 }\ndefaults: { connection: s }\ntasks:\n  root: {}\n  leaf: { after: [root], replicas: 200 }\n"
            .write(toFile: workflows + "/w.yaml", atomically: true, encoding: .utf8)
        let data = disk.path + "/data"
        let host = try startHost(workflows: workflows, data: data)
        defer { if host.isRunning { host.kill() } }
        let port = try #require(try await apiPort(host), "\(host.stderr)")
        #expect(try await eventually(240) { try await http(port, "GET", "/v1/workflows/w").status == 200 }, "\(host.stderr)")
        // A few runs fit; freeing the filler then leaves room for all of them.
        try disk.fill(leaving: 500)
        // Work until the device is full: a trigger is then refused with 503 naming the cause.
        var refusal: String?
        var created = 0
        for index in 0..<100 where refusal == nil {
            let (body, status) = try await http(port, "POST", "/v1/workflows/w/runs", #"{"run_id": "r\#(index)"}"#)
            if status == 201 { created += 1 } else if status == 503 { refusal = body } else { Issue.record("trigger \(index): \(status) \(body)") }
            // Each run fills the log as it executes: wait until it ended or the engine ran out of space.
            _ = try await eventually(240) {
                if host.stderr.contains("no space left on device") { return true }
                return !(try await http(port, "GET", "/v1/runs/r\(index)").body.contains(#""status":"running""#))
            }
        }
        let message = try #require(refusal, "the device never filled")
        #expect(message.contains("no space left on device"), "\(message)")
        #expect(host.isRunning, "the host stopped on a full disk: \(host.stderr)")
        #expect(try await http(port, "GET", "/v1/health").status == 200)

        try disk.release()
        #expect(try await eventually(240) { try await http(port, "POST", "/v1/workflows/w/runs", #"{"run_id": "after"}"#).status == 201 },
                "\(host.stderr)")
        #expect(try await eventually(300) {
            try await http(port, "GET", "/v1/runs?status=running").body.contains(#""runs":[]"#)
        }, "\(host.stderr)")
        let succeeded = try await http(port, "GET", "/v1/runs?status=succeeded&limit=500").body
        #expect(succeeded.components(separatedBy: "\"run_id\"").count - 1 == created + 1, "\(succeeded)")
        #expect(host.stderr.contains("space for the log is back"), "\(host.stderr)")
        #expect(await stopHost(host) == 0, "\(host.stderr)")
        #expect(try await BatonProcess.run(["replay", "--data", data, "--verify"]).status == 0)
    }
}
