import Foundation

/// Damages stored bytes on purpose, for corruption tests.
public enum FileDamage {
    /// Flips the lowest bit of the byte `offset` bytes into every occurrence of `marker` in
    /// `file` (LMDB may keep older copies of a page, so every copy is damaged). Returns how many
    /// occurrences were found.
    @discardableResult
    public static func flip(_ marker: String, offset: Int, in file: String) throws -> Int {
        let url = URL(fileURLWithPath: file)
        var bytes = [UInt8](try Data(contentsOf: url))
        let needle = Array(marker.utf8)
        let positions = bytes.indices.filter { bytes[$0..<min($0 + needle.count, bytes.count)].elementsEqual(needle) }
        for position in positions where position + offset < bytes.count { bytes[position + offset] ^= 0x01 }
        try Data(bytes).write(to: url)
        return positions.count
    }
}
