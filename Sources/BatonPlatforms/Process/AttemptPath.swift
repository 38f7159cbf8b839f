/// Where one attempt lives under the process platform's root: `<run>/<task>/<attempt>`, each
/// component escaped so that any key maps to exactly one safe relative path.
///
/// Bytes outside `[A-Za-z0-9._-]` become `%XX` (upper-case hex), and so do the components `.`
/// and `..` (whole-component `%2E`), so no key can name a path outside the root.
struct AttemptPath: Sendable, Hashable {
    /// `run/task/attempt`, escaped; also the run ID's suffix.
    let relative: String

    /// The prefix of every run ID this platform issues.
    static let runIDPrefix = "proc:"

    /// Maps an idempotency key `run/task/attempt`; the task part may itself hold `/` (it is
    /// escaped), so the run is the text before the first `/` and the attempt after the last.
    /// Returns nil when the key has fewer than three non-empty parts.
    init?(idempotencyKey key: String) {
        guard let first = key.firstIndex(of: "/"), let last = key.lastIndex(of: "/"), first < last else { return nil }
        let run = key[..<first]
        let task = key[key.index(after: first)..<last]
        let attempt = key[key.index(after: last)...]
        guard !run.isEmpty, !task.isEmpty, !attempt.isEmpty else { return nil }
        relative = [run, task, attempt].map { Self.escape(String($0)) }.joined(separator: "/")
    }

    /// Parses a run ID this platform issued; nil for anything else (including paths that try to
    /// leave the root).
    init?(runID: PlatformRunID) {
        let raw = runID.rawValue
        guard raw.hasPrefix(Self.runIDPrefix) else { return nil }
        let relative = String(raw.dropFirst(Self.runIDPrefix.count))
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy(Self.isEscapedComponent) else { return nil }
        self.relative = relative
    }

    /// The run ID naming this attempt; status works from it alone after a restart.
    var runID: PlatformRunID { PlatformRunID(Self.runIDPrefix + relative) }

    /// Percent-encodes the bytes outside `[A-Za-z0-9._-]`, and the whole of `.` and `..`.
    static func escape(_ component: String) -> String {
        if component == "." || component == ".." {
            return String(repeating: "%2E", count: component.count)
        }
        var escaped = ""
        for byte in component.utf8 {
            if isPlain(byte) {
                escaped.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                escaped += "%" + hexDigit(byte >> 4) + hexDigit(byte & 0x0F)
            }
        }
        return escaped
    }

    private static func isEscapedComponent(_ part: Substring) -> Bool {
        guard !part.isEmpty, part != ".", part != ".." else { return false }
        return part.utf8.allSatisfy { isPlain($0) || $0 == UInt8(ascii: "%") }
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> String {
        String(nibble, radix: 16, uppercase: true)
    }
}
