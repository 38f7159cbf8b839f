@testable import BatonEngine
import Synchronization
import Testing

/// The order stores are asked in, the bounded cache, and the signature AWS documents.
@Suite struct SecretResolverTests {
    final class CountingStore: SecretStore {
        let label: String
        let values: [String: String]
        let asked = Mutex<[String]>([])
        init(_ label: String, _ values: [String: String]) { self.label = label; self.values = values }
        func value(of name: String) async throws(SecretStoreError) -> String? {
            asked.withLock { $0.append(name) }
            if name == "refused" { throw SecretStoreError(.auth, "\(label) refused") }
            return values[name]
        }
    }

    @Test func storesAreAskedInOrderAndValuesAreKeptForTheTTLOnly() async throws {
        let first = CountingStore("one", ["a": "A1"]), second = CountingStore("two", ["a": "A2", "b": "B2"])
        let clock = SimulatedClock()
        let learned = Mutex<[String]>([])
        let resolver = SecretResolver(stores: [first, second], ttl: .seconds(300), clock: clock) { value in learned.withLock { $0.append(value) } }
        #expect(try await resolver.values(["a", "b"]) == ["a": "A1", "b": "B2"])
        #expect(first.asked.withLock { $0 } == ["a", "b"] && second.asked.withLock { $0 } == ["b"])
        clock.advance(to: clock.nowMicros() + 299_000_000)
        _ = try await resolver.values(["a", "b"])
        #expect(first.asked.withLock { $0 }.count == 2, "within the TTL nothing is fetched again")
        clock.advance(to: clock.nowMicros() + 2_000_000)
        _ = try await resolver.values(["b"])
        #expect(second.asked.withLock { $0 } == ["b", "b"], "past the TTL the value is fetched again")
        #expect(learned.withLock { $0 } == ["A1", "B2", "B2"], "the redactor learns every value fetched")

        await #expect(throws: SecretResolver.Failure.self) { try await resolver.values(["missing"]) }
        do {
            _ = try await resolver.values(["refused"])
            Issue.record("a refusing store was not reported")
        } catch {
            #expect(error.description == "secret refused: one refused" && !error.isTransient)
        }
    }

    /// AWS's own worked example (Signature Version 4, "calculate the signature"): the string to
    /// sign of the IAM ListUsers request of 2015-08-30 and the example secret key give this signature.
    @Test func sigV4SignsTheDocumentedExample() {
        let toSign = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            + "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        #expect(SigV4.signature(secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", day: "20150830", region: "us-east-1",
                                service: "iam", stringToSign: toSign) == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
    }
}
