/// SplitMix64: small, fast and seedable, so a fault sequence replays exactly from its seed.
///
/// The platform module depends on nothing else in Baton, so it carries its own copy rather than
/// the test-support generator.
struct SimRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `rate`; always consumes exactly one number.
    mutating func chance(_ rate: Double) -> Bool {
        // 53 random bits give a uniform double in [0, 1).
        let unit = Double(next() >> 11) * 0x1.0p-53
        return unit < rate
    }
}
