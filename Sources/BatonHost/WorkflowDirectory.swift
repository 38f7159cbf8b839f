public import BatonModel
import BatonState
import Crypto
import Foundation

/// The workflow files of a host's definitions directory: every `*.yaml`, `*.yml` and `*.json`
/// directly in it, each loaded and validated on its own.
public struct WorkflowDirectory: Sendable {
    /// One file as read now.
    public struct File: Sendable, Equatable {
        /// Its path.
        public let path: String
        /// SHA-256 of its bytes (hex), to notice changes.
        public let contentHash: String
        /// What it defines, when it is valid.
        public let workflow: Workflow?
        /// Why it is not, when it is not (every problem, as `baton validate` prints them).
        public let problem: String?
    }

    /// The directory.
    public let path: String
    /// The most files one scan reads.
    public static let filesMax = 10_000

    public init(path: String) { self.path = path }

    /// The connections file in the directory (`connections.yaml`, `.yml` or `.json`), if any.
    public var registryPath: String? {
        ConnectionRegistryLoader.directoryFileNames.map { path + "/" + $0 }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Reads and validates every workflow file, in name order, against `registry` (the
    /// connections file is not a workflow). Two files defining one workflow name are both
    /// reported: the later one (by file name) is refused.
    /// - Throws: `HostError.definitionsUnreadable` when the directory cannot be listed.
    public func scan(registry: ConnectionRegistry? = nil) throws(HostError) -> [File] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw .definitionsUnreadable(path: path, reason: error.localizedDescription)
        }
        var files: [File] = []
        var owners: [String: String] = [:]
        for name in names.sorted().prefix(Self.filesMax) where [".yaml", ".yml", ".json"].contains(where: name.hasSuffix) && !name.hasPrefix(".")
            && !ConnectionRegistryLoader.directoryFileNames.contains(name) {
            let filePath = path + "/" + name
            guard let bytes = FileManager.default.contents(atPath: filePath) else {
                files.append(File(path: filePath, contentHash: "", workflow: nil, problem: "cannot read the file"))
                continue
            }
            let hash = EngineState.hex(SHA256.hash(data: bytes))
            do {
                let workflow = try WorkflowLoader.parse(String(decoding: bytes, as: UTF8.self), file: filePath, registry: registry)
                if let owner = owners[workflow.name] {
                    files.append(File(path: filePath, contentHash: hash, workflow: nil, problem: "workflow \(workflow.name) is already defined by \(owner)"))
                    continue
                }
                owners[workflow.name] = filePath
                files.append(File(path: filePath, contentHash: hash, workflow: workflow, problem: nil))
            } catch {
                files.append(File(path: filePath, contentHash: hash, workflow: nil, problem: String(describing: error)))
            }
        }
        return files
    }
}

/// What the host can fail with, naming the offending thing.
public enum HostError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The definitions directory cannot be listed.
    case definitionsUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .definitionsUnreadable(let path, let reason): return "read workflow definitions in \(path): \(reason)"
        }
    }
}
