import BatonModel
import BatonTestSupport
import Foundation
import Testing

@Suite struct ConnectionRegistryTests {
    static let registry = """
        secrets:
          - { provider: env }
        connections:
          dbx:
            platform: process
            url: https://workspace.example
            token: "{{ secrets.dbx_token }}"
            max_in_flight: 20
            rate: 10/1s
          local: { platform: sim, password: "{{ env.LOCAL_PASSWORD }}" }
        """

    @Test func parsesConnectionsLimitsSettingsAndWhereEachIsDefined() throws {
        let registry = try ConnectionRegistryLoader.parse(Self.registry, file: "connections.yaml")
        #expect(registry.connections["dbx"] == ConnectionSpec(platform: "process", maxInFlight: 20, rate: RateLimit.parse("10/1s"),
                                                              settings: ["url": "https://workspace.example", "token": "{{ secrets.dbx_token }}"]))
        #expect(registry.connections["local"]?.settings["password"] == "{{ env.LOCAL_PASSWORD }}")
        #expect(registry.place(of: "dbx") == "connections.yaml:4")
        #expect(registry.place(of: "local") == "connections.yaml:10")
        #expect(registry.secretStores == [SecretStoreSpec(provider: .env)])
        #expect(try ConnectionRegistryLoader.parse(#"{"connections": {"j": {"platform": "sim", "max_in_flight": 2}}}"#, file: "c.json")
            .connections["j"]?.maxInFlight == 2)
    }

    @Test(arguments: [
        ("connections:\n  x: { platform: sim, token: hunter2-literal }\n", 2, 30, "credential and takes only a reference"),
        ("connections:\n  x: { platform: sim, client_secret: \"{{ secrets.a }} tail\" }\n", 2, 38, "credential and takes only a reference"),
        ("connections:\n  x: { platform: sim, url: \"https://me:hunter2-literal@host\" }\n", 2, 28, "an address with a password in it"),
        ("connections:\n  x: { platform: databrick }\n", 2, 18, "unknown platform \"databrick\" for connection x (did you mean \"databricks\"?)"),
        ("connections:\n  x: { platform: databricks, url: \"https://adb.example\" }\n", 2, 6,
         "connection x (platform databricks) needs url and token, or url, client_id and client_secret"),
        ("connections:\n  x: { platform: adf, tenant: t }\n", 2, 6, "needs tenant, client_id, client_secret, subscription, resource_group and factory"),
        ("connections:\n  x: { platform: proces }\n", 2, 18, "(did you mean \"process\"?)"),
        ("connections:\n  x: { max_in_flight: 0, platform: sim }\n", 2, 23, "max_in_flight must be an integer in 1...1000000"),
        ("connections:\n  x: { url: u }\n", 2, 6, "connection x needs a \"platform\""),
        ("connections:\n  sim: { platform: process }\n", 2, 3, "connection \"sim\" is the built-in simulator"),
        ("secrets:\n  - { provider: vualt, url: u }\n", 2, 17, "unknown secret provider \"vualt\" in secret store 1 (known: env, file, vault, aws, azure)"),
        ("secrets:\n  - { provider: vault, url: \"http://127.0.0.1:8200\", path: p }\n", 2, 7, "secret store 1 (vault) needs \"token\", or \"role_id\" and \"secret_id\" (AppRole)"),
        ("secrets:\n  - { provider: file }\n", 2, 7, "secret store 2 (file) needs \"path\"".replacingOccurrences(of: "2", with: "1")),
        ("secrets:\n  - { provider: env, prefx: X_ }\n", 2, 22, "unknown key \"prefx\" in secret store 1 (env) (did you mean \"prefix\"?)"),
        ("conections: {}\n", 1, 1, "unknown key \"conections\" in the connections file (did you mean \"connections\"?)"),
    ])
    func refusesWithTheLineAndNeverTheValue(text: String, line: Int, column: Int, message: String) throws {
        do {
            _ = try ConnectionRegistryLoader.parse(text, file: "c.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            let problem = try #require(error.problems.first { $0.message.contains(message) }, "\(error)")
            #expect(problem.file == "c.yaml" && problem.line == line && problem.column == column, "\(problem)")
            #expect(!error.description.contains("hunter2"), "\(error)")
        }
    }

    @Test func aSecretsFileMustBeOwnerOnly() throws {
        let dir = TemporaryDirectory("secret-file")
        defer { dir.remove() }
        let path = dir.appending("secrets.yaml")
        try "dbx_token: hunter2-value\nother: two\n".write(toFile: path, atomically: true, encoding: .utf8)
        let text = "secrets:\n  - { provider: file, path: \(path) }\n"
        chmod(path, 0o644)
        do {
            _ = try ConnectionRegistryLoader.parse(text, file: "c.yaml")
            Issue.record("a world-readable secrets file was accepted")
        } catch {
            #expect(error.description.contains("has mode 644; it must be 0600 or stricter"), "\(error)")
        }
        #expect(throws: WorkflowError.self) { try SecretFile.read(path) }
        chmod(path, 0o600)
        let registry = try ConnectionRegistryLoader.parse(text, file: "c.yaml")
        #expect(registry.secretStores == [SecretStoreSpec(provider: .file, settings: ["path": path])])
        #expect(try SecretFile.read(path) == ["dbx_token": "hunter2-value", "other": "two"])
        try "dbx_token: [hunter2-value]\n".write(toFile: path, atomically: false, encoding: .utf8)
        do {
            _ = try SecretFile.read(path)
            Issue.record("a list value was accepted")
        } catch {
            #expect(error.description == "\(path):1:12: secret dbx_token must be a single value")
        }
    }

    @Test func aWorkflowNamesRegistryConnectionsButCannotRedefineThem() throws {
        let registry = try ConnectionRegistryLoader.parse(Self.registry, file: "connections.yaml")
        let user = "name: w\ndefaults: { connection: dbx }\ntasks:\n  a: { command: [\"true\"] }\n  b: { connection: local }\n"
        let workflow = try WorkflowLoader.parse(user, file: "w.yaml", registry: registry)
        #expect(workflow.tasks.map(\.connection) == ["dbx", "local"])
        // Its own connections stay its own; the registry's are looked up where they are used.
        #expect(workflow.connections.isEmpty)
        #expect(throws: WorkflowError.self) { try WorkflowLoader.parse(user, file: "w.yaml") }
        // The log's copy of a definition loads whatever the registry holds today.
        #expect(try WorkflowLoader.parseRegistered(user, file: "w.yaml").tasks.count == 2)

        let redefining = "name: w\nconnections:\n  dbx: { platform: sim, max_in_flight: 500 }\ntasks:\n  a: { connection: dbx }\n  b: { connection: dbz }\n"
        do {
            _ = try WorkflowLoader.parse(redefining, file: "w.yaml", registry: registry)
            Issue.record("a registry connection was redefined")
        } catch {
            #expect(error.problems.map(\.description) == [
                "w.yaml:3:3: connection \"dbx\" is defined in the connections registry (connections.yaml:4); a workflow cannot redefine it: remove it here to use the shared one, or give this one another name",
                "w.yaml:6:20: task b: unknown connection \"dbz\" (did you mean \"dbx\"?)",
            ])
        }
    }

    @Test func aWorkflowCredentialSettingTakesOnlyAReference() throws {
        let text = "name: w\nconnections:\n  c: { platform: sim, settings: { token: plain-hunter2 } }\ntasks:\n  a: { connection: c }\n"
        do {
            _ = try WorkflowLoader.parse(text, file: "w.yaml")
            Issue.record("a literal token was accepted")
        } catch {
            #expect(error.description.contains("w.yaml:3:42: connection c token is a credential and takes only a reference"), "\(error)")
            #expect(!error.description.contains("hunter2"))
        }
        let reference = text.replacingOccurrences(of: "plain-hunter2", with: "\"{{ secrets.c_token }}\"")
        #expect(try WorkflowLoader.parse(reference, file: "w.yaml").connections["c"]?.settings["token"] == "{{ secrets.c_token }}")
    }

    @Test func aTaskEnvTakesTemplatesUnderValidNames() throws {
        let good = "name: w\nconnections:\n  l: { platform: process }\ntasks:\n  a: { connection: l, command: [/bin/true], env: { TOKEN: \"{{ secrets.t }}\", REGION: eu } }\n"
        let task = try #require(try WorkflowLoader.parse(good, file: "w.yaml").task(named: "a"))
        #expect(task.environment.keys.sorted() == ["REGION", "TOKEN"])
        #expect(task.environment["TOKEN"]?.references == [.secret("t")])
        let bad = "name: w\ntasks:\n  a: { env: { 1X: a, BATON_OUTPUT: b, OK: \"{{ params.nope }}\" } }\n"
        do {
            _ = try WorkflowLoader.parse(bad, file: "w.yaml")
            Issue.record("bad env accepted")
        } catch {
            let messages = error.problems.map(\.message)
            #expect(messages.contains { $0.contains("bad environment variable name \"1X\"") }, "\(messages)")
            #expect(messages.contains { $0.contains("BATON_OUTPUT in env is reserved") }, "\(messages)")
            #expect(messages.contains { $0.contains("nope") }, "templates in env are checked like the command's: \(messages)")
        }
    }
}
