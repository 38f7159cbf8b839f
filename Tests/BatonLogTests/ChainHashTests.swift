@testable import BatonLog
import BatonTestSupport
import Testing

@Suite struct ChainHashTests {
    @Test func linkDependsOnEveryInput() {
        let base = ChainHash.link(previous: .genesis, seq: 1, timeMicros: 10, payload: [1, 2, 3])
        #expect(base != ChainHash.link(previous: base, seq: 1, timeMicros: 10, payload: [1, 2, 3]))
        #expect(base != ChainHash.link(previous: .genesis, seq: 2, timeMicros: 10, payload: [1, 2, 3]))
        #expect(base != ChainHash.link(previous: .genesis, seq: 1, timeMicros: 11, payload: [1, 2, 3]))
        #expect(base != ChainHash.link(previous: .genesis, seq: 1, timeMicros: 10, payload: [1, 2, 4]))
        #expect(base == ChainHash.link(previous: .genesis, seq: 1, timeMicros: 10, payload: [1, 2, 3]))
    }

    @Test func linkIsSHA256OfTheDocumentedLayout() {
        // SHA-256 of 32 zero bytes ‖ 00..01 ‖ 00..00 ‖ "abc", computed independently with sha256sum.
        let hash = ChainHash.link(previous: .genesis, seq: 1, timeMicros: 0, payload: Array("abc".utf8))
        #expect(hash.hex == "fd94a64f557ab2b14498be56068f63779963a3b61135ff838b6145f857d08ada")
    }

    @Test func recordEncodingRoundTrips() {
        let hash = ChainHash.link(previous: .genesis, seq: 9, timeMicros: 42, payload: [9])
        var buffer = [UInt8](repeating: 0, count: LogRecord.headerSize + 3)
        buffer.withUnsafeMutableBytes { LogRecord.encode(hash: hash, timeMicros: -7, payload: [1, 2, 3], into: $0) }
        let decoded = buffer.withUnsafeBytes { LogRecord.decode(seq: 9, value: $0) }
        #expect(decoded == LogRecord(seq: 9, timeMicros: -7, hash: hash, payload: [1, 2, 3]))
        #expect([UInt8](repeating: 0, count: 10).withUnsafeBytes { LogRecord.decode(seq: 1, value: $0) } == nil)
    }
}
