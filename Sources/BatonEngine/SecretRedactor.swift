import BatonEvents
import Synchronization

/// Masks secret values in text that comes back from the platforms before it is appended.
///
/// The engine renders `{{ secrets.NAME }}` into what it submits, so any text a platform answers
/// with may quote it: an error naming a path built from a secret, the last stderr line of a task
/// that printed its token, an output that echoes it. Every such field of an observation passes
/// through here on its way into the log, so the log, and everything read from it (`status`,
/// `replay`, the API, the alerts), never holds a secret value.
final class SecretRedactor: Sendable {
    /// What a secret value becomes.
    static let mask = "***"

    /// Every form a value may take in a field: as is and JSON-escaped (outputs are JSON text),
    /// longest first, so a secret that contains another is masked whole.
    /// Shared by every copy, so values fetched from a store at dispatch are masked from then on.
    private let known = Mutex<[String]>([])
    private var forms: [String] { known.withLock { $0 } }

    /// A redactor for the values of `secrets` (empty values are skipped: they would match everywhere).
    init(secrets: [String: String]) {
        learn(Array(secrets.values))
    }

    /// Masks `values` too from now on.
    func learn(_ values: [String]) {
        known.withLock { forms in
            var all = Set(forms)
            for value in values where !value.isEmpty {
                all.insert(value)
                all.insert(Self.jsonEscaped(value))
            }
            forms = all.sorted { ($0.utf8.count, $0) > ($1.utf8.count, $1) }
        }
    }

    /// `text` with every secret value masked.
    /// - Complexity: O(secrets × length of `text`); O(1) without secrets.
    func redact(_ text: String) -> String {
        guard !forms.isEmpty, !text.isEmpty else { return text }
        var result = text
        for form in self.forms where result.contains(form) {
            result = result.replacing(form, with: Self.mask)
        }
        return result
    }

    /// `event` with the fields that carry platform text redacted (failure messages, outputs,
    /// reconciliation details, throttle reasons); other events are returned as they are.
    func redact(_ event: Baton_V1_Event) -> Baton_V1_Event {
        guard !forms.isEmpty else { return event }
        var event = event
        switch event.body {
        case .taskFailed(var e):
            e.message = redact(e.message)
            event.body = .taskFailed(e)
        case .taskSucceeded(var e):
            e.outputJson = redact(e.outputJson)
            event.body = .taskSucceeded(e)
        case .platformObserved(var e):
            e.detail = redact(e.detail)
            event.body = .platformObserved(e)
        case .connectionThrottled(var e):
            e.reason = redact(e.reason)
            event.body = .connectionThrottled(e)
        default:
            break
        }
        return event
    }

    /// `value` as it appears between the quotes of a JSON string (the escapes every encoder uses).
    static func jsonEscaped(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(s.value, radix: 16).count) + String(s.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
