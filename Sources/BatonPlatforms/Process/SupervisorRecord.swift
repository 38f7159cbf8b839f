import Glibc

/// The supervisor's `pid` file: which process it is, robust against pid reuse and reboots.
struct SupervisorRecord: Sendable, Equatable {
    let pid: pid_t
    /// Field 22 of `/proc/<pid>/stat`: start time in clock ticks since boot.
    let startTime: UInt64
    /// `/proc/sys/kernel/random/boot_id` when it started.
    let bootID: String

    /// Parses `<pid> <start time> <boot id>`; nil when malformed.
    init?(parsing text: String) {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let pid = pid_t(fields[0]), pid > 1, let start = UInt64(fields[1]) else { return nil }
        self.pid = pid
        self.startTime = start
        self.bootID = String(fields[2])
    }

    /// True while this very process (same boot, same start time, not a zombie) is alive.
    func isAlive() -> Bool {
        guard let boot = AttemptFiles.readText(at: "/proc/sys/kernel/random/boot_id", bytesMax: 64),
              boot.trimmingWhitespace() == bootID,
              let stat = AttemptFiles.readText(at: "/proc/\(pid)/stat", bytesMax: 4096),
              let process = Self.parseStat(stat)
        else { return false }
        return process.startTime == startTime && process.state != "Z" && process.state != "X"
    }

    /// State letter and start time from a `/proc/<pid>/stat` line (the command name may hold
    /// spaces and parentheses, so fields are counted after the last `)`).
    static func parseStat(_ line: String) -> (state: Substring, startTime: UInt64)? {
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 (start time) is fields[19].
        guard fields.count > 19, let start = UInt64(fields[19]) else { return nil }
        return (fields[0], start)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !" \t\r\n".unicodeScalars.contains($0) }),
              let last = scalars.lastIndex(where: { !" \t\r\n".unicodeScalars.contains($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}
