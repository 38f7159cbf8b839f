import BatonEvents
import BatonLog
import BatonTestSupport
import Foundation
import Testing

@Suite struct EventRoundTripTests {
    @Test func samplesCoverEveryEventType() {
        let kinds = Set(EventSamples.all.map(\.kindName))
        #expect(kinds.count == EventSamples.kindCount)
        #expect(!kinds.contains("Unknown"))
    }

    @Test func everyEventTypeSurvivesEncodeAppendReadDecode() async throws {
        let dir = TemporaryDirectory("roundtrip")
        defer { dir.remove() }
        let log = try EventLog(directory: dir.path, clock: SystemLogClock())
        defer { log.close() }
        let samples = EventSamples.all
        let receipt = try await log.append(samples.map(EventCodec.encode))
        let records = try log.read(from: receipt.firstSeq, limit: samples.count)
        let decoded = try records.map { try EventCodec.decode($0.payload, seq: $0.seq) }
        #expect(decoded == samples)
    }

    @Test func storedFixtureOfTheFirstFormatStillDecodes() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/events-v1.hex")
        if ProcessInfo.processInfo.environment["BATON_WRITE_FIXTURES"] == "1" {
            // Run once when the first format is frozen; later formats add new fixture files.
            let header = "# One Baton_V1_Event per line as hex, in the order of EventSamples.all (format 1).\n"
            try (header + EventSamples.all.map { EventCodec.encode($0).map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n")
                .write(to: fixture, atomically: true, encoding: .utf8)
        }
        let lines = try String(contentsOf: fixture, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let decoded = try lines.enumerated().map { index, line in
            try EventCodec.decode(hexBytes(String(line)), seq: UInt64(index + 1))
        }
        #expect(decoded == EventSamples.all)
    }

    @Test func garbageBytesAreADecodeErrorNamingTheSequence() {
        #expect(throws: EventDecodeError.self) { _ = try EventCodec.decode([0xff, 0xff, 0xff], seq: 12) }
        do {
            _ = try EventCodec.decode([0x0a, 0x50], seq: 12)
        } catch {
            #expect(error.description.hasPrefix("decode event 12:"))
        }
    }

    private func hexBytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16) ?? 0)
            index = next
        }
        return bytes
    }
}
