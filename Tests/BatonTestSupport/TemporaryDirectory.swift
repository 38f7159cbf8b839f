import Foundation

/// A fresh directory under the system's temporary folder, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    /// Its absolute path.
    public let path: String

    /// Creates `<tmp>/baton-<label>-<random>`.
    public init(_ label: String = "test") {
        var generator = SystemRandomNumberGenerator()
        let suffix = String(generator.next(), radix: 36)
        path = NSTemporaryDirectory() + "baton-\(label)-\(suffix)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func appending(_ component: String) -> String { path + "/" + component }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
