extension SimPlatform {
    /// How many times `key` was accepted as a new run; idempotency keeps it at most 1.
    public func submissions(forKey key: String) -> Int {
        state.withLock { $0.newRunsByKey[key] ?? 0 }
    }

    /// How many distinct runs the platform accepted.
    public var acceptedRuns: Int {
        state.withLock { $0.runs.count }
    }

    /// Every accepted new run with its acceptance time, in acceptance order (rate-limit checks).
    /// - Complexity: O(n) copy of the list.
    public var acceptances: [SimAcceptance] {
        state.withLock { $0.acceptances }
    }

    /// Traps if the platform's bookkeeping disagrees with itself; tests run it after each step.
    /// - Complexity: O(n) in the number of runs.
    public func checkInvariants() {
        state.withLock { $0.checkInvariants() }
    }
}
