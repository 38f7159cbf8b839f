public import BatonPlatforms

/// The platform instances this process dispatches to, by platform name (`sim`, `process`, ...).
public struct PlatformSet: Sendable {
    private let byName: [String: any Platform]

    /// Wraps the given platforms.
    public init(_ byName: [String: any Platform]) { self.byName = byName }

    /// The platform called `name`.
    /// - Throws: `EngineError.unknownPlatform` naming the connection.
    public func platform(named name: String, connection: String) throws(EngineError) -> any Platform {
        guard let platform = byName[name] else { throw .unknownPlatform(connection: connection, platform: name) }
        return platform
    }

    /// The platform names available.
    public var names: [String] { byName.keys.sorted() }
}
