import BatonTestSupport
import Foundation
import Testing

/// Secrets from the remote stores, fetched at dispatch by `baton run`: Vault (token and AppRole,
/// with a token that expires) and Azure Key Vault against the loopback fakes in `Tools/fakes`,
/// AWS Secrets Manager against moto in server mode. The values reach the task through `env:`,
/// and no byte of them reaches the data directory or any output.
@Suite struct SecretStoreTests {
    static let marker = "MARKER-9f3c1e7a"

    /// A workflow whose task writes what it got to `got` and fails unless each value is there.
    static func workflow(_ names: [String], out: String) -> String {
        let env = names.map { "\($0.uppercased()): \"{{ secrets.\($0) }}\"" }.joined(separator: ", ")
        let script = names.map { "printf \"%s\\\\n\" \"$\($0.uppercased())\" >> \(out)" }.joined(separator: "; ")
        return """
            name: uses_secrets
            connections:
              local: { platform: process }
            defaults: { connection: local, retry: { attempts: 1 } }
            tasks:
              t: { env: { \(env) }, job: { command: ["/bin/sh", "-c", '\(script)'] } }

            """
    }

    /// Runs the workflow against `connections`, then checks every output and the data directory.
    static func runAndCheck(_ dir: TemporaryDirectory, connections: String, names: [String], expected: [String],
                            environment: [String: String]) async throws -> BatonProcess.Output {
        let got = dir.appending("got")
        try connections.write(toFile: dir.appending("connections.yaml"), atomically: true, encoding: .utf8)
        try workflow(names, out: got).write(toFile: dir.appending("w.yaml"), atomically: true, encoding: .utf8)
        let data = dir.appending("data")
        let run = try await BatonProcess.run(["run", dir.appending("w.yaml"), "--data", data, "--connections", dir.appending("connections.yaml"),
                                              "--run-id", "r"], environment: environment)
        #expect(run.status != 2, "\(run.stdout.suffix(1_500))\(run.stderr)")
        if !expected.isEmpty {
            #expect(run.status == 0, "\(run.stdout.suffix(1_500))\(run.stderr)")
            #expect((try? String(contentsOfFile: got, encoding: .utf8)) == expected.map { $0 + "\n" }.joined())
        }
        var outputs = run.stdout + run.stderr
        for arguments in [["replay", "--data", data, "--json"], ["replay", "--data", data], ["status", "--data", data, "r", "--json"]] {
            let output = try await BatonProcess.run(arguments)
            outputs += output.stdout + output.stderr
        }
        #expect(!outputs.contains(marker), "a secret value reached an output")
        let enumerator = FileManager.default.enumerator(atPath: data)
        while let file = enumerator?.nextObject() as? String {
            guard let bytes = FileManager.default.contents(atPath: data + "/" + file) else { continue }
            #expect(bytes.range(of: Data(marker.utf8)) == nil, "a secret value reached \(file)")
        }
        return run
    }

    static func fake(_ dir: TemporaryDirectory, _ config: [String: Any]) async throws -> LoopbackServer {
        let path = dir.appending("fake.json")
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return try await LoopbackServer.start("/usr/bin/env", ["python3", LoopbackServer.repositoryRoot + "/Tools/fakes/secret_stores.py", path])
    }

    @Test func vaultByTokenAndByAppRoleWithATokenThatExpires() async throws {
        let dir = TemporaryDirectory("vault")
        defer { dir.remove() }
        let server = try await Self.fake(dir, ["vault": [
            "tokens": ["root-token"], "approle": ["role_id": "baton", "secret_id": "s3cret-id"], "token_uses": 1,
            "kv": ["secret/baton": ["dbx_token": "\(Self.marker)-vault"], "kv/other": ["second": "\(Self.marker)-2", "third": "\(Self.marker)-3"]],
        ]])
        let url = "http://127.0.0.1:\(server.port)"
        // The first store lacks `second`: the next one in order has it.
        let connections = """
            secrets:
              - { provider: vault, url: "\(url)", mount: secret, path: baton, token: "{{ env.VAULT_TOKEN }}" }
              - { provider: vault, url: "\(url)", mount: kv, path: other, role_id: baton, secret_id: "{{ env.VAULT_SECRET_ID }}" }

            """
        _ = try await Self.runAndCheck(dir, connections: connections, names: ["dbx_token", "second", "third"],
                                       expected: ["\(Self.marker)-vault", "\(Self.marker)-2", "\(Self.marker)-3"],
                                       environment: ["VAULT_TOKEN": "root-token", "VAULT_SECRET_ID": "s3cret-id"])
        // One login, and a second when the token's single use was spent (403, then login again).
        let stats = try await server.json("/_fake/stats")
        #expect(stats["vault_logins"] as? Int == 2, "\(stats)")

        // A refused token fails the task with class auth, naming the store, not the value.
        try? FileManager.default.removeItem(atPath: dir.appending("data"))
        let refused = try await Self.runAndCheck(dir, connections: connections, names: ["dbx_token"], expected: [],
                                                 environment: ["VAULT_TOKEN": "wrong", "VAULT_SECRET_ID": "s3cret-id"])
        #expect(refused.status == 1)
        let replay = try await BatonProcess.run(["replay", "--data", dir.appending("data")]).stdout
        #expect(replay.contains("[auth] secrets: secret dbx_token: vault \(url) secret/baton refused the credentials"), "\(replay)")
    }

    @Test func azureKeyVaultByClientCredentialsAndAMissingSecretFailsWithClassAuth() async throws {
        let dir = TemporaryDirectory("azure")
        defer { dir.remove() }
        let server = try await Self.fake(dir, ["azure": [
            "tenant": "tenant-1", "client_id": "app-1", "client_secret": "cl+ent/secret", "token_uses": 1,
            "secrets": ["warehouse-password": "\(Self.marker)-azure", "api-key": "\(Self.marker)-key"],
        ]])
        let url = "http://127.0.0.1:\(server.port)"
        let connections = """
            secrets:
              - { provider: azure, vault_url: "\(url)", login_url: "\(url)", tenant: tenant-1, client_id: app-1, client_secret: "{{ env.AZ_SECRET }}" }

            """
        _ = try await Self.runAndCheck(dir, connections: connections, names: ["warehouse_password", "api_key"],
                                       expected: ["\(Self.marker)-azure", "\(Self.marker)-key"], environment: ["AZ_SECRET": "cl+ent/secret"])
        // Each token was good for one read: the second read got 401 and a fresh token.
        let stats = try await server.json("/_fake/stats")
        #expect(stats["azure_tokens"] as? Int == 2 && stats["azure_reads"] as? Int == 3, "\(stats)")

        try? FileManager.default.removeItem(atPath: dir.appending("data"))
        let missing = try await Self.runAndCheck(dir, connections: connections, names: ["nowhere"], expected: [], environment: ["AZ_SECRET": "cl+ent/secret"])
        #expect(missing.status == 1)
        let replay = try await BatonProcess.run(["replay", "--data", dir.appending("data")]).stdout
        #expect(replay.contains("[auth] secrets: secret nowhere is in none of the secret stores (azure \(url))"), "\(replay)")
    }

    @Test func awsSecretsManagerAgainstMoto() async throws {
        let python = LoopbackServer.repositoryRoot + "/.build/venvs/moto/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "moto is not installed: run make test-servers")
        let dir = TemporaryDirectory("aws")
        defer { dir.remove() }
        let server = try await LoopbackServer.start(python, [LoopbackServer.repositoryRoot + "/Tools/fakes/moto_secrets.py", "eu-west-1", "baton/prod",
                                                             "{\"dbx_token\": \"\(Self.marker)-aws\"}"])
        let connections = """
            secrets:
              - { provider: aws, region: eu-west-1, secret_id: baton/prod, url: "http://127.0.0.1:\(server.port)" }

            """
        _ = try await Self.runAndCheck(dir, connections: connections, names: ["dbx_token"], expected: ["\(Self.marker)-aws"],
                                       environment: ["AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"])
    }
}
