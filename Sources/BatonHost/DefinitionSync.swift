public import BatonEngine

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

        /// A sync that did nothing.
        public init() {}
    }

    let directory: WorkflowDirectory
    /// The content hash last acted on per path.
    private var seen: [String: String] = [:]

    public init(directory: WorkflowDirectory) { self.directory = directory }

    /// Scans the directory and registers what changed.
    /// - Throws: `HostError` when the directory cannot be read, `EngineError` when an append fails.
    public mutating func sync(_ runtime: Runtime, actor: String) async throws -> Report {
        var report = Report()
        for file in try directory.scan() where seen[file.path] != file.contentHash {
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
