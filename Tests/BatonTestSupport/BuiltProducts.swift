import Foundation

/// Finds executables built beside the test bundle (`baton`, `lmdb-baseline`, ...).
public enum BuiltProducts {
    /// The absolute path of the product `name`; `BATON_BIN_DIR` overrides the directory.
    public static func path(of name: String) -> String {
        if let dir = ProcessInfo.processInfo.environment["BATON_BIN_DIR"] { return dir + "/" + name }
        let runner = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        // The runner is `<products>/BatonPackageTests.xctest` (Linux) or inside a bundle (macOS).
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return runner.deletingLastPathComponent().appendingPathComponent(name).path
    }
}
