import ArgumentParser

/// The exit codes of DESIGN.md §7, in one place.
enum BatonExit {
    /// The run failed (or verification found a problem).
    static let failed = ExitCode(1)
    /// Bad input: a malformed workflow, an unknown option value.
    static let badInput = ExitCode(2)
    /// Storage or internal error.
    static let storage = ExitCode(3)
}
