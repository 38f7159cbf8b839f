public import BatonModel
public import BatonPlatforms
import Foundation
import Logging

extension Runtime {
    /// The platform a task on `connection` (defined by `spec`) is dispatched to, as the
    /// dispatcher makes it; `baton connections check` asks it for its cheapest read.
    /// - Throws: `EngineError.unknownPlatform` or `.platformSettings`.
    public func platform(connection: String, spec: ConnectionSpec) throws(EngineError) -> any Platform {
        try platforms.platform(for: connection, spec: spec, bind: bind)
    }

    /// What a remote platform's adapter is made from: the connection's settings, its clock, a
    /// notice channel into this runtime's log, and a resolver for its credential references.
    func bind(_ connection: String, _ spec: ConnectionSpec) -> PlatformConnection {
        let logger = options.logger
        return PlatformConnection(name: connection, platform: spec.platform, settings: spec.settings, clock: clock,
                                  notice: { logger.warning("\($0)", metadata: ["connection": "\(connection)"]) },
                                  resolve: { [self] reference throws(PlatformError) in try await credential(reference, connection: connection) })
    }

    /// A credential setting's value: `{{ env.NAME }}` from this process's environment,
    /// `{{ secrets.NAME }}` from the secrets given at start or the stores, a literal as written
    /// (only plain settings can be literal; validation refuses literal credentials). The redactor
    /// learns the value before anyone can see it.
    /// - Throws: `PlatformError.auth` naming the missing secret or variable, `.transient` when a
    ///   store cannot be reached.
    func credential(_ reference: String, connection: String) async throws(PlatformError) -> String {
        let value: String
        switch CredentialSettings.reference(in: reference) {
        case .environment(let name):
            guard let found = ProcessInfo.processInfo.environment[name], !found.isEmpty else {
                throw .auth("connection \(connection): the environment variable \(name) is not set")
            }
            value = found
        case .secret(let name):
            if let given = options.secrets[name] {
                value = given
            } else if let resolver = secretResolver {
                do throws(SecretResolver.Failure) {
                    guard let found = try await resolver.values([name])[name] else { throw .missing(name, stores: []) }
                    value = found
                } catch {
                    throw error.isTransient ? .transient("connection \(connection): secrets: \(error)") : .auth("connection \(connection): secrets: \(error)")
                }
            } else {
                throw .auth("connection \(connection): no secret \(name) (set BATON_SECRET_\(name), or name a store that has it)")
            }
        case nil:
            value = reference
        }
        redactor.learn([value])
        return value
    }
}

extension Runtime {
    /// `text` with every secret value this runtime knows masked (what platforms print may hold them).
    public func redact(_ text: String) -> String { redactor.redact(text) }
}
