import Foundation

/// Locations of the repository's spec and example folders, found from this source file.
enum TestPaths {
    /// The repository root (the folder holding `Specs/`), following symlinks to the source tree.
    static var repositoryRoot: String {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Specs/conformance").path) {
                return url.path
            }
            url = url.deletingLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }

    static var conformance: String { repositoryRoot + "/Specs/conformance" }
    static var examples: String { repositoryRoot + "/Examples" }

    /// Names of the `*.yaml` files in `directory`, sorted; empty when the folder is missing.
    static func yamlFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted()
    }
}
