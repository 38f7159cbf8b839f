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
                values = [:]  // Refused when the registry loads.
            }
            secrets.merge(values) { earlier, _ in earlier }
        }
        return secrets
    }
}
