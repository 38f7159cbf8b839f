import BatonEngine
import BatonModel
import Foundation

/// The `--connections FILE` option's file: the shared connections and the secret stores.
enum RegistryFile {
    /// The help text every command that takes the option shows.
    static let help = "The connections file (YAML or JSON): shared connections with their limits, and the secret stores. Its limits hold for every workflow and process on the data directory."

    /// The registry in `path`, or nil without one.
    /// - Throws: `BatonExit.badInput` after printing every problem.
    static func load(_ path: String?) throws -> ConnectionRegistry? {
        guard let path else { return nil }
        do {
            return try ConnectionRegistryLoader.load(contentsOf: path)
        } catch {
            printError(error.description)
            printError("baton: \(path) is not a valid connections file; nothing was run")
            throw BatonExit.badInput
        }
    }

    /// Secret values by name from `stores`, asked in order (the first that has a name wins):
    /// `env` reads `<prefix><NAME>` variables (prefix `BATON_SECRET_`), `file` its mapping.
    /// - Throws: `BatonExit.badInput` after naming a store that cannot be read (never a value).
    static func secrets(_ stores: [SecretStoreSpec]) throws -> [String: String] {
        var secrets: [String: String] = [:]
        for store in stores {
            let values: [String: String]
            switch store.provider {
            case .env:
                let prefix = store.settings["prefix"] ?? "BATON_SECRET_"
                values = Dictionary(ProcessInfo.processInfo.environment.filter { $0.key.hasPrefix(prefix) }
                    .map { (String($0.key.dropFirst(prefix.count)), $0.value) }) { first, _ in first }
            case .file:
                do {
                    values = try SecretFile.read(store.settings["path"] ?? "")
                } catch {
                    printError(error.description)
                    printError("baton: the secret store file \(store.settings["path"] ?? "") cannot be read; nothing was run")
                    throw BatonExit.badInput
                }
            case .vault, .aws, .azure:
                values = [:]  // Asked at dispatch: `remoteStores`.
            }
            secrets.merge(values) { earlier, _ in earlier }
        }
        return secrets
    }

    /// The stores asked at dispatch (Vault, AWS Secrets Manager, Azure Key Vault), in their order,
    /// with their `{{ env.NAME }}` credentials read now.
    /// - Throws: `BatonExit.badInput` naming a store setting that cannot be used (never a value).
    static func remoteStores(_ specs: [SecretStoreSpec]) throws -> [any SecretStore] {
        let environment = ProcessInfo.processInfo.environment
        var stores: [any SecretStore] = []
        for (position, spec) in specs.enumerated() {
            let context = "secret store \(position + 1) (\(spec.provider.rawValue))"
            func setting(_ key: String) throws -> String? {
                guard let raw = spec.settings[key] else { return nil }
                guard case .environment(let name) = CredentialSettings.reference(in: raw) else { return raw }
                guard let value = environment[name], !value.isEmpty else {
                    printError("baton: \(context) \(key) refers to the environment variable \(name), which is not set; nothing was run")
                    throw BatonExit.badInput
                }
                return value
            }
            func url(_ key: String, default fallback: String? = nil) throws -> URL {
                guard let text = try setting(key) ?? fallback, let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                    printError("baton: \(context) \(key) is not an http(s) address; nothing was run")
                    throw BatonExit.badInput
                }
                return url
            }
            switch spec.provider {
            case .env, .file:
                continue
            case .vault:
                let credentials: VaultStore.Credentials
                if let token = try setting("token") {
                    credentials = .token(token)
                } else if let role = try setting("role_id"), let secret = try setting("secret_id") {
                    credentials = .appRole(roleID: role, secretID: secret)
                } else {
                    printError("baton: \(context) needs token, or role_id and secret_id; nothing was run")
                    throw BatonExit.badInput
                }
                stores.append(VaultStore(url: try url("url"), mount: try setting("mount") ?? "secret", path: try setting("path") ?? "", credentials: credentials))
            case .aws:
                guard let key = try setting("access_key_id") ?? environment["AWS_ACCESS_KEY_ID"],
                      let secret = try setting("secret_access_key") ?? environment["AWS_SECRET_ACCESS_KEY"] else {
                    printError("baton: \(context) needs access_key_id and secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment; nothing was run")
                    throw BatonExit.badInput
                }
                let endpoint = spec.settings["url"] == nil ? nil : try url("url")
                stores.append(AWSSecretsManagerStore(region: try setting("region") ?? "", secretID: try setting("secret_id") ?? "", endpoint: endpoint,
                                                     accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]))
            case .azure:
                stores.append(AzureKeyVaultStore(vaultURL: try url("vault_url"), loginURL: try url("login_url", default: "https://login.microsoftonline.com"),
                                                 tenant: try setting("tenant") ?? "", clientID: try setting("client_id") ?? "",
                                                 clientSecret: try setting("client_secret") ?? ""))
            }
        }
        return stores
    }
}
