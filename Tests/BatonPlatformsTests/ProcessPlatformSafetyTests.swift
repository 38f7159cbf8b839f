import BatonPlatforms
import Foundation
import Testing

@Suite struct ProcessPlatformSafetyTests {
    @Test func argumentsArriveVerbatimWithoutAShell() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let canary = fixture.temporary.appending("pwned")
        let arguments = ["a b", #"it's "quoted""#, "$(touch \(canary))", "`touch \(canary)`", "*", "; touch \(canary)", "$HOME", ""]
        let id = try await platform.submit(request("r1/t/1", command: ["printf", "[%s]\n"] + arguments))
        #expect(try await fixture.awaitTerminal(platform, id) == .succeeded(outputJSON: ""))
        let expected = arguments.map { "[\($0)]\n" }.joined()
        #expect(fixture.read(fixture.attemptDirectory("r1/t/1") + "/stdout") == expected)
        #expect(!FileManager.default.fileExists(atPath: canary))
    }

    @Test(arguments: ["/nonexistent/baton-program", "baton-no-such-program", "./missing.sh"])
    func aMissingExecutableIsInvalidAndClaimsNothing(program: String) async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        await #expect(throws: PlatformError.invalid("submit r1/t/1: executable not found: \(program)")) {
            try await platform.submit(request("r1/t/1", command: [program, "x"]))
        }
        #expect(try await platform.lookUp(idempotencyKey: "r1/t/1") == nil)
    }

    /// A file that exists but cannot run is named as such (it used to be "not found").
    @Test func aFileThatCannotRunSaysWhy() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let script = fixture.temporary.appending("script.sh")
        try "#!/bin/sh\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: script)
        await #expect(throws: PlatformError.invalid("submit r1/t/1: \(script): not executable (no execute permission): \(script)")) {
            try await platform.submit(request("r1/t/1", command: [script]))
        }
        await #expect(throws: PlatformError.invalid("submit r1/t/1: /tmp: not a regular file: /tmp")) {
            try await platform.submit(request("r1/t/1", command: ["/tmp"]))
        }
        #expect(try await platform.lookUp(idempotencyKey: "r1/t/1") == nil)
    }

    @Test func rejectsBadRequests() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let cases: [(SubmitRequest, PlatformError)] = [
            (request("r1/t/1"), .invalid("submit r1/t/1: empty command")),
            (request("r1/t", command: ["/bin/true"]), .invalid("submit r1/t: idempotency key is not run/task/attempt")),
            (request("r1/t/1", command: ["/bin/true"], environment: ["A=B": "v"]), .invalid(#"submit r1/t/1: bad environment variable name "A=B""#)),
            (request("r1/t/1", command: ["/bin/true"], environment: ["BATON_OUTPUT": "/tmp/x"]),
             .invalid("submit r1/t/1: environment variable BATON_OUTPUT is reserved for the process platform")),
            (request("r1/t/1", command: ["/bin/true"], environment: ["BATON_SV_WD": "/"]),
             .invalid("submit r1/t/1: environment variable BATON_SV_WD is reserved for the process platform")),
        ]
        for (bad, expected) in cases {
            await #expect(throws: expected) { try await platform.submit(bad) }
        }
    }

    @Test func environmentSecretsReachTheCommandButNoFile() async throws {
        let fixture = ProcessFixture()
        defer { fixture.temporary.remove() }
        let platform = fixture.makePlatform()
        let secret = "s3cr3t-baton-test-7f3a9c21"
        let script = #"[ -n "$API_TOKEN" ] && [ ${#API_TOKEN} -gt 10 ] && echo '{"seen": true}' > "$BATON_OUTPUT""#
        let id = try await platform.submit(request("r1/t/1", command: ["/bin/sh", "-c", script], environment: ["API_TOKEN": secret]))
        #expect(try await fixture.awaitTerminal(platform, id) == .succeeded(outputJSON: #"{"seen": true}"#))
        let directory = fixture.attemptDirectory("r1/t/1")
        let files = try FileManager.default.subpathsOfDirectory(atPath: fixture.root)
        #expect(files.contains("r1/t/1/pid"))
        for file in files {
            let contents = FileManager.default.contents(atPath: fixture.root + "/" + file) ?? Data()
            #expect(contents.range(of: Data(secret.utf8)) == nil, "secret found in \(file)")
        }
        #expect(!fixture.read(directory + "/exit").isEmpty)
    }
}
