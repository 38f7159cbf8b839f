/// Remembers which notices were given, so an unknown platform state seen on every poll is
/// reported once per connection. Bounded: past `keysMax` distinct notices it stops remembering
/// (and stops reporting new ones) rather than grow.
public actor NoticeOnce {
    public static let keysMax = 1_000
    private var given: Set<String> = []

    public init() {}

    /// Runs `report` the first time `key` is seen.
    public func once(_ key: String, _ report: @Sendable () -> Void) {
        guard given.count < NoticeOnce.keysMax, given.insert(key).inserted else { return }
        report()
    }
}
