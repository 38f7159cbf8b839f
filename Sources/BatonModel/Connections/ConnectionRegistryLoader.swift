internal import Foundation

/// Reads a connections file (YAML or JSON) into a validated ``ConnectionRegistry``.
public enum ConnectionRegistryLoader {
    /// The file `baton serve` reads from its workflows directory (never as a workflow).
    public static let directoryFileNames = ["connections.yaml", "connections.yml", "connections.json"]

    static let topLevelKeys = ["secrets", "connections"]

    /// Reads and parses the file at `path`.
    /// - Throws: ``WorkflowError`` with every problem, each naming `path`, line and column.
    public static func load(contentsOf path: String) throws(WorkflowError) -> ConnectionRegistry {
        let text = try WorkflowLoader.readText(at: path, what: "connections file")
        return try parse(text, file: path)
    }

    /// Parses and validates `text` (JSON goes through the same parser, as for workflows).
    /// `checksFiles: false` skips what needs the file system (a secrets file's mode), for a
    /// version the log holds, which was checked when it was registered.
    /// - Throws: ``WorkflowError`` listing every problem.
    public static func parse(_ text: String, file: String, checksFiles: Bool = true) throws(WorkflowError) -> ConnectionRegistry {
        var decoder = WorkflowDecoder(file: file)
        guard let root = try WorkflowLoader.compose(text, file: file, decoder: &decoder) else {
            // An empty file defines nothing: the defaults (env secrets, no connections).
            return ConnectionRegistry(file: file, source: text)
        }
        var registry = ConnectionRegistry(file: file, source: text)
        var marks: [String: SourceMark] = [:]
        for entry in decoder.entries(of: root, in: "the connections file", known: topLevelKeys) ?? [] {
            switch entry.key {
            case "connections": registry.connections = decoder.decodeConnections(entry.value, style: .registry, marks: &marks)
            case "secrets": registry.secretStores = decoder.decodeSecretStores(entry.value, checksFiles: checksFiles)
            default: preconditionFailure("key \"\(entry.key)\" passed the known-key filter but has no decoder")
            }
        }
        if let builtIn = marks[ConnectionSpec.builtInName], registry.connections[ConnectionSpec.builtInName]?.platform != "sim" {
            decoder.report(builtIn, "connection \"sim\" is the built-in simulator; give this connection another name")
        }
        guard decoder.problems.isEmpty else { throw WorkflowError(problems: decoder.problems) }
        registry.lines = marks.mapValues(\.line)
        return registry
    }
}

extension WorkflowDecoder {
    /// The `secrets:` list, in order.
    mutating func decodeSecretStores(_ node: YAMLNode, checksFiles: Bool) -> [SecretStoreSpec] {
        guard case .sequence(let sequence) = node else {
            report(SourceMark(node), "secrets must be a list of stores, e.g. - { provider: env }, got \(shape(of: node))")
            return []
        }
        var stores: [SecretStoreSpec] = []
        for (index, item) in sequence.items.enumerated() {
            if let store = decodeSecretStore(item, position: index + 1, checksFiles: checksFiles) { stores.append(store) }
        }
        return stores
    }

    private mutating func decodeSecretStore(_ node: YAMLNode, position: Int, checksFiles: Bool) -> SecretStoreSpec? {
        let context = "secret store \(position)"
        guard let entries = entries(of: node, in: context) else { return nil }
        let names = SecretStoreSpec.Provider.allCases.map(\.rawValue)
        guard let providerEntry = entries.first(where: { $0.key == "provider" }) else {
            report(SourceMark(node), "\(context) needs a \"provider\" (\(names.joined(separator: ", ")))")
            return nil
        }
        guard let raw = text(providerEntry.value, "\(context) provider") else { return nil }
        guard let provider = SecretStoreSpec.Provider(rawValue: raw) else {
            report(providerEntry.valueMark, "unknown secret provider \"\(raw)\" in \(context)\(Suggestion.hint(for: raw, in: names)) (known: \(names.joined(separator: ", ")))")
            return nil
        }
        let context2 = "\(context) (\(raw))"
        var store = SecretStoreSpec(provider: provider)
        let (known, required) = provider.keys
        for entry in entries where entry.key != "provider" {
            guard known.contains(entry.key) else {
                report(entry.keyMark, "unknown key \"\(entry.key)\" in \(context2)\(Suggestion.hint(for: entry.key, in: known))")
                continue
            }
            guard let value = text(entry.value, "\(context2) \(entry.key)") else { continue }
            if provider.credentialKeys.contains(entry.key), CredentialSettings.reference(in: value).map({ if case .environment = $0 { true } else { false } }) != true {
                report(entry.valueMark, "\(context2) \(entry.key) is a credential and takes only \"{{ env.NAME }}\": a store cannot read its own key from itself")
                continue
            }
            store.settings[entry.key] = value
        }
        for key in required where entries.first(where: { $0.key == key }) == nil {
            report(providerEntry.keyMark, "\(context2) needs \"\(key)\"")
        }
        if provider == .vault, store.settings["token"] == nil, store.settings["role_id"] == nil || store.settings["secret_id"] == nil {
            report(providerEntry.keyMark, "\(context2) needs \"token\", or \"role_id\" and \"secret_id\" (AppRole)")
        }
        guard provider.isBuilt else {
            report(providerEntry.valueMark, "secret provider \"\(raw)\" is not available in this version (env and file are)")
            return nil
        }
        if checksFiles, provider == .file, let path = store.settings["path"], let problem = SecretFileCheck.problem(path) {
            report(providerEntry.keyMark, "\(context2) \(problem)")
        }
        return store
    }
}

/// The rule for a secrets file: a regular file no one but its owner can read or write.
public enum SecretFileCheck {
    /// Why `path` may not hold secrets, or nil when it may.
    public static func problem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return "cannot read the secrets file \(path): \(String(cString: strerror(errno)))"
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return "secrets file \(path) is not a regular file" }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            return "secrets file \(path) has mode \(String(mode, radix: 8)); it must be 0600 or stricter (chmod 600 \(path))"
        }
        return nil
    }
}
