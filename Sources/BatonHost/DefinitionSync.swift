public import BatonEngine
import BatonModel
import BatonState
import Crypto
import Foundation

/// Keeps the log's registered definitions in step with the definitions directory: a new or
/// changed valid file is registered (a new version; runs already going keep theirs), an invalid
/// one is reported once per content and changes nothing, so the previous version keeps running.
public struct DefinitionSync: Sendable {
    /// A file refused, and why.
    public struct Rejection: Sendable, Equatable {
        public let path: String
        public let problem: String
    }

    /// What one sync did.
    public struct Report: Sendable, Equatable {
        /// Workflows registered now (names).
        public var registered: [String] = []
        /// Files refused now (each content reported once).
        public var rejected: [Rejection] = []
        /// The connections file registered now (its path), when a new version was.
        public var registeredConnections: String?
        /// The connections file refused now (each content reported once).
        public var rejectedConnections: Rejection?

        /// A sync that did nothing.
        public init() {}
    }

    let directory: WorkflowDirectory
    /// The connections file given on the command line; else the directory's own, if any.
    let registryFile: String?
    /// The content hash last acted on per path.
    private var seen: [String: String] = [:]

    public init(directory: WorkflowDirectory, registryFile: String? = nil) {
        self.directory = directory
        self.registryFile = registryFile
    }

    /// Registers a new or changed connections file, then scans the directory and registers what
    /// changed. Workflows are checked against the registry in force: the file's newest valid
    /// version (a broken edit is reported and the log's version stays in force). A new registry
    /// version re-checks every workflow file.
    /// - Throws: `HostError` when the directory cannot be read, `EngineError` when an append fails.
    public mutating func sync(_ runtime: Runtime, actor: String) async throws -> Report {
        var report = Report()
        if let path = registryFile ?? directory.registryPath {
            let bytes = FileManager.default.contents(atPath: path) ?? Data()
            let hash = EngineState.hex(SHA256.hash(data: bytes))
            if seen[path] != hash {
                seen[path] = hash
                do {
                    let registry = try ConnectionRegistryLoader.load(contentsOf: path)
                    if try await runtime.register(connections: registry, actor: actor) {
                        report.registeredConnections = path
                        seen = [path: hash]  // Every workflow is checked again against the new version.
                    }
                } catch let error as WorkflowError {
                    report.rejectedConnections = Rejection(path: path, problem: error.description)
                }
            }
        }
        let registry = runtime.state.registry?.registry
        for file in try directory.scan(registry: registry) where seen[file.path] != file.contentHash {
            guard let workflow = file.workflow else {
                seen[file.path] = file.contentHash
                report.rejected.append(Rejection(path: file.path, problem: file.problem ?? "invalid"))
                continue
            }
            if try await runtime.register(workflow, sourcePath: file.path, actor: actor) { report.registered.append(workflow.name) }
            seen[file.path] = file.contentHash
        }
        return report
    }
}
