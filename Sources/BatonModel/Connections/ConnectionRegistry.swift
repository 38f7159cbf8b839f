/// The connections every workflow, run and process on a data directory shares, and the secret
/// stores their credentials come from: the parsed connections file (`connections.yaml`).
///
/// Limits belong to the connection, not to a pipeline: whichever workflow names `dbx`, its
/// claims count against `dbx`'s `max_in_flight` and `rate` here. Credential settings hold only
/// references (`{{ secrets.NAME }}`, `{{ env.NAME }}`), so the source text, which the log keeps
/// as the registry's version, never holds a secret value. See `Specs/connections.md`.
public struct ConnectionRegistry: Sendable, Equatable {
    /// Connections by name.
    public var connections: [String: ConnectionSpec]
    /// Where `{{ secrets.NAME }}` values come from, asked in this order (default: `env` only).
    public var secretStores: [SecretStoreSpec]
    /// The line each connection's name is written on, for messages that point at it.
    public var lines: [String: Int]
    /// The file it was read from, as given.
    public var file: String
    /// The text it was parsed from; its SHA-256 is the version's content hash.
    public var source: String

    public init(connections: [String: ConnectionSpec] = [:], secretStores: [SecretStoreSpec] = [SecretStoreSpec(provider: .env)],
                lines: [String: Int] = [:], file: String = "", source: String = "") {
        self.connections = connections
        self.secretStores = secretStores
        self.lines = lines
        self.file = file
        self.source = source
    }

    /// `file:line` where connection `name` is defined, for messages.
    public func place(of name: String) -> String {
        "\(file.isEmpty ? "the connections registry" : file):\(lines[name] ?? 1)"
    }
}

/// One secret store of the registry's `secrets:` list.
public struct SecretStoreSpec: Sendable, Equatable {
    /// The kinds of store.
    public enum Provider: String, Sendable, CaseIterable {
        /// `BATON_SECRET_<NAME>` variables of the process (the default).
        case env
        /// A YAML or JSON mapping of names to values in a file of mode 0600 or stricter.
        case file
        /// HashiCorp Vault KV version 2.
        case vault
        /// AWS Secrets Manager.
        case aws
        /// Azure Key Vault.
        case azure

        /// The keys each provider takes besides `provider`, and which of them are required.
        var keys: (known: [String], required: [String]) {
            switch self {
            case .env: (["prefix"], [])
            case .file: (["path"], ["path"])
            case .vault: (["url", "mount", "path", "token", "role_id", "secret_id"], ["url", "path"])
            case .aws: (["region", "secret_id", "url", "access_key_id", "secret_access_key"], ["region", "secret_id"])
            case .azure: (["vault_url", "tenant", "client_id", "client_secret", "login_url"], ["vault_url", "tenant", "client_id", "client_secret"])
            }
        }

        /// The keys that hold credentials, which accept only `{{ env.NAME }}`.
        var credentialKeys: Set<String> {
            switch self {
            case .env, .file: []
            case .vault: ["token", "secret_id"]
            case .aws: ["access_key_id", "secret_access_key"]
            case .azure: ["client_secret"]
            }
        }

        /// Whether this version can read from it; the others are refused at load, by name.
        public var isBuilt: Bool { true }
    }

    public var provider: Provider
    /// The provider's settings (`path`, `url`, ...), as written.
    public var settings: [String: String]

    public init(provider: Provider, settings: [String: String] = [:]) {
        self.provider = provider
        self.settings = settings
    }
}

/// The platform adapters this version of Baton can dispatch to.
public enum PlatformNames {
    public static let known = PlatformCatalog.names
}

/// Settings that hold credentials: in a connection they accept only a reference, never a literal.
public enum CredentialSettings {
    /// Setting names treated as credentials wherever a connection is defined.
    public static let names: Set<String> = ["token", "password", "client_secret", "api_key", "secret_access_key", "private_key"]

    /// What a credential setting refers to.
    public enum Reference: Sendable, Equatable {
        case secret(String)
        case environment(String)
    }

    /// Parses `{{ secrets.NAME }}` or `{{ env.NAME }}` (spaces inside the braces optional);
    /// nil for anything else, including text around the reference.
    public static func reference(in text: String) -> Reference? {
        let trimmed = text[...].trimmingSpaces()
        guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}"), trimmed.count > 4 else { return nil }
        let inner = trimmed.dropFirst(2).dropLast(2).trimmingSpaces()
        let parts = inner.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, NameRules.isIdentifier(String(parts[1])) else { return nil }
        switch parts[0] {
        case "secrets": return .secret(String(parts[1]))
        case "env": return .environment(String(parts[1]))
        default: return nil
        }
    }
}
