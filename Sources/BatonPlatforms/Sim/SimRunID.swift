/// A sim run's ID spells out everything its state follows from, so any process can answer for a
/// run another process (or an earlier life of this one) submitted: `sim-A-S-D-O-H` with the
/// attempt `A`, the submit time `S` (µs, base 36), the duration `D` (µs, base 36), the scripted
/// outcome `O` (`s` or `f`) and `H`, eight hex digits of a hash of the idempotency key (two runs
/// submitted in the same microsecond stay apart).
///
/// The sim is the dry-run platform; with this it reconciles like a real one: after a SIGKILL, or
/// beside a second `baton run` on the same data directory, a run ID found in the log still says
/// where that run is.
struct SimRunID: Equatable {
    let attempt: UInt32
    let submittedAtMicros: Int64
    let durationMicros: Int64
    let outcome: SimAttemptOutcome
    let keyHash: UInt32

    init(attempt: UInt32, submittedAtMicros: Int64, durationMicros: Int64, outcome: SimAttemptOutcome, key: String) {
        self.attempt = attempt
        self.submittedAtMicros = submittedAtMicros
        self.durationMicros = durationMicros
        self.outcome = outcome
        self.keyHash = Self.hash(key)
    }

    /// Reads an ID written by `text`; nil for anything else.
    init?(parsing id: PlatformRunID) {
        let fields = id.rawValue.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "sim",
              let attempt = UInt32(fields[1]),
              let submitted = Int64(fields[2], radix: 36), submitted >= 0,
              let duration = Int64(fields[3], radix: 36), duration >= 0,
              let hash = UInt32(fields[5], radix: 16), fields[5].count == 8 else { return nil }
        switch fields[4] {
        case "s": outcome = .success
        case "f": outcome = .failure
        default: return nil
        }
        self.attempt = attempt
        self.submittedAtMicros = submitted
        self.durationMicros = duration
        self.keyHash = hash
    }

    var text: String {
        let hash = String(keyHash, radix: 16)
        return "sim-\(attempt)-\(String(submittedAtMicros, radix: 36))-\(String(durationMicros, radix: 36))-"
            + "\(outcome == .success ? "s" : "f")-\(String(repeating: "0", count: 8 - hash.count))\(hash)"
    }

    /// The run it names, as the platform would have recorded it.
    func run(id: PlatformRunID) -> SimRun {
        let (finish, overflow) = submittedAtMicros.addingReportingOverflow(durationMicros)
        return SimRun(id: id, attempt: attempt, outcome: outcome, submittedAtMicros: submittedAtMicros,
                      finishesAtMicros: overflow ? .max : finish)
    }

    /// FNV-1a of the key's bytes: stable across processes and builds (unlike `Hasher`).
    static func hash(_ key: String) -> UInt32 {
        var value: UInt32 = 0x811C_9DC5
        for byte in key.utf8 {
            value ^= UInt32(byte)
            value = value &* 0x0100_0193
        }
        return value
    }
}
