import Foundation

/// Compact JSON with sorted keys, written directly from Swift values (dictionaries, arrays,
/// strings, integers, booleans, doubles, `NSNull`). Foundation's `JSONSerialization` bridges every
/// value to an `NS` object first, which made a page of runs cost ~35 µs per run; this does not.
public enum JSONWriter {
    /// A value JSON cannot hold.
    public struct Unsupported: Error, CustomStringConvertible {
        public let type: String
        public var description: String { "JSON cannot hold a value of type \(type)" }
    }

    /// `value` as JSON text.
    /// - Throws: `Unsupported` for a value that is not one of the JSON shapes.
    public static func string(_ value: Any) throws(Unsupported) -> String {
        var out = ""
        out.reserveCapacity(256)
        try write(value, into: &out)
        return out
    }

    private static func write(_ value: Any, into out: inout String) throws(Unsupported) {
        switch value {
        case let text as String: quote(text, into: &out)
        case let flag as Bool: out += flag ? "true" : "false"
        case let number as Int: out += String(number)
        case let number as Int64: out += String(number)
        case let number as UInt64: out += String(number)
        case let number as Int32: out += String(number)
        case let number as UInt32: out += String(number)
        case let number as Double: out += number.isFinite ? String(number) : "null"
        case is NSNull: out += "null"
        case let object as [String: String]: try writeObject(object.sorted { $0.key < $1.key }, into: &out) { quote($0, into: &$1) }
        case let object as [String: Any]:
            try writeObject(object.sorted { $0.key < $1.key }, into: &out) { (value, out) throws(Unsupported) in try write(value, into: &out) }
        case let list as [String]:
            out += "["
            for (index, item) in list.enumerated() {
                if index > 0 { out += "," }
                quote(item, into: &out)
            }
            out += "]"
        case let list as [Any]:
            out += "["
            for (index, item) in list.enumerated() {
                if index > 0 { out += "," }
                try write(item, into: &out)
            }
            out += "]"
        default:
            throw Unsupported(type: String(describing: Swift.type(of: value)))
        }
    }

    private static func writeObject<V>(_ pairs: [(key: String, value: V)], into out: inout String,
                                       _ writeValue: (V, inout String) throws(Unsupported) -> Void) throws(Unsupported) {
        out += "{"
        for (index, pair) in pairs.enumerated() {
            if index > 0 { out += "," }
            quote(pair.key, into: &out)
            out += ":"
            try writeValue(pair.value, &out)
        }
        out += "}"
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func quote(_ text: String, into out: inout String) {
        out += "\""
        var plainStart = text.utf8.startIndex
        var index = plainStart
        let utf8 = text.utf8
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 {
                out += text[plainStart..<index]
                switch byte {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default: out += String(format: "\\u%04x", byte)
                }
                plainStart = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        out += text[plainStart..<utf8.endIndex]
        out += "\""
    }
}
