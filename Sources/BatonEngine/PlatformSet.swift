public import BatonModel
public import BatonPlatforms
import Synchronization

/// The platform instances this process dispatches to: one shared instance per local platform
/// (`sim`, `process`), and one adapter per connection of a remote platform (`databricks`, ...),
/// made from that connection's settings on first use and made again when they change.
public struct PlatformSet: Sendable {
    /// Makes the adapter of one connection.
    public typealias Factory = @Sendable (PlatformConnection) throws(PlatformError) -> any Platform

    private let byName: [String: any Platform]
    private let factories: [String: Factory]
    private let made = Made()

    /// Adapters already made, by connection name, with the settings they were made from.
    private final class Made: Sendable {
        let adapters = Mutex<[String: (settings: [String: String], platform: any Platform)]>([:])
    }

    /// Wraps the given shared platforms and the factories of per-connection ones.
    public init(_ byName: [String: any Platform], factories: [String: Factory] = [:]) {
        self.byName = byName
        self.factories = factories
    }

    /// The remote platforms this version has adapters for, each made per connection.
    public static let remoteFactories: [String: Factory] = [
        "databricks": { connection throws(PlatformError) in try DatabricksPlatform(connection) },
        "ray": { connection throws(PlatformError) in try RayPlatform(connection) },
        "airflow": { connection throws(PlatformError) in try AirflowPlatform(connection) },
        "adf": { connection throws(PlatformError) in try ADFPlatform(connection) },
        "http": { connection throws(PlatformError) in try HTTPJobsPlatform(connection) },
    ]

    /// The platform of `connection`, defined by `spec` (nil: the built-in `sim`).
    /// - Parameter bind: turns a connection's name and settings into what an adapter is made from.
    /// - Throws: `EngineError.unknownPlatform`, or `.platformSettings` when an adapter refuses its settings.
    public func platform(for connection: String, spec: ConnectionSpec?,
                         bind: (String, ConnectionSpec) -> PlatformConnection) throws(EngineError) -> any Platform {
        let name = spec?.platform ?? "sim"
        if let shared = byName[name] { return shared }
        guard let spec, let factory = factories[name] else { throw .unknownPlatform(connection: connection, platform: name) }
        if let kept = made.adapters.withLock({ $0[connection] }), kept.settings == spec.settings { return kept.platform }
        do {
            let platform = try factory(bind(connection, spec))
            made.adapters.withLock { $0[connection] = (spec.settings, platform) }
            return platform
        } catch {
            throw .platformSettings(connection: connection, message: error.description)
        }
    }

    /// The shared platform called `name`.
    /// - Throws: `EngineError.unknownPlatform` naming the connection.
    public func platform(named name: String, connection: String) throws(EngineError) -> any Platform {
        guard let platform = byName[name] else { throw .unknownPlatform(connection: connection, platform: name) }
        return platform
    }

    /// The platform names available.
    public var names: [String] { Set(byName.keys).union(factories.keys).sorted() }
}
