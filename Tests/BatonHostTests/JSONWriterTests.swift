import BatonHost
import Foundation
import Testing

@Suite struct JSONWriterTests {
    @Test func writesCompactSortedJSONThatParsesBackToTheSameValue() throws {
        let value: [String: Any] = [
            "z": 1, "a": "plain", "quote": "say \"hi\"\\ now", "control": "line\nbreak\ttab\r\u{01}\u{1f}",
            "unicode": "Grüße 👋 /path", "flags": [true, false], "n64": Int64(-9_000_000_000), "u": UInt64.max, "u32": UInt32(7),
            "nothing": NSNull(), "double": 1.5, "strings": ["x", "y"], "map": ["b": "2", "a": "1"],
            "nested": [["k": 1], ["k": [Int]()]] as [Any], "empty": [String: Any](),
        ]
        let text = try JSONWriter.string(value)
        #expect(text.hasPrefix(#"{"a":"plain","control":"line\nbreak\ttab\r\u0001\u001f","double":1.5,"empty":{},"flags":[true,false],"map":{"a":"1","b":"2"}"#))
        let reparsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
        let reference = try #require(try JSONSerialization.jsonObject(with: JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) as? NSDictionary)
        #expect(reparsed == reference)
        #expect(try JSONWriter.string(1) == "1" && JSONWriter.string(true) == "true" && JSONWriter.string(Double.nan) == "null")
    }

    @Test func aValueJSONCannotHoldIsAnErrorNamingItsType() {
        do {
            _ = try JSONWriter.string(["when": Date(timeIntervalSince1970: 0)])
            Issue.record("a Date was written")
        } catch {
            #expect(error.description.contains("Date"))
        }
    }
}
