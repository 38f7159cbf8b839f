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

/// A small deterministic generator (SplitMix64) so order-shuffling tests replay from a seed.
struct SplitMixRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
