/// Decoding of connection definitions, shared by workflow files (`connections:` of one workflow)
/// and the connections registry, so both accept and refuse the same things.
extension WorkflowDecoder {
    /// Where a connection is defined, which decides the keys it takes.
    enum ConnectionStyle {
        /// In a workflow: `platform`, `max_in_flight`, `rate` and a `settings:` mapping.
        case workflow
        /// In the registry: `platform`, `max_in_flight`, `rate`; every other key is a setting
        /// (`url`, `token`, ...).
        case registry
    }

    static let workflowConnectionKeys = ["platform", "max_in_flight", "rate", "queue", "settings"]
    static let queueKeys = ["max", "on_full", "timeout", "aging"]

    /// The connections of a `connections:` mapping; records where each name is written.
    mutating func decodeConnections(_ node: YAMLNode, style: ConnectionStyle, marks: inout [String: SourceMark]) -> [String: ConnectionSpec] {
        var result: [String: ConnectionSpec] = [:]
        for entry in entries(of: node, in: "connections") ?? [] {
            guard NameRules.isIdentifier(entry.key) else {
                report(entry.keyMark, "bad connection name \"\(entry.key)\" (use letters, digits, _ and -)")
                continue
            }
            marks[entry.key] = entry.keyMark
            if let connection = decodeConnection(entry.value, name: entry.key, style: style) {
                result[entry.key] = connection
            }
        }
        return result
    }

    private mutating func decodeConnection(_ node: YAMLNode, name: String, style: ConnectionStyle) -> ConnectionSpec? {
        let context = "connection \(name)"
        let known = style == .workflow ? Self.workflowConnectionKeys : []
        guard let entries = entries(of: node, in: context, known: known) else { return nil }
        var connection = ConnectionSpec(platform: "")
        var platformMark = SourceMark(node)
        for entry in entries {
            switch entry.key {
            case "platform":
                connection.platform = text(entry.value, "\(context) platform") ?? ""
                platformMark = entry.valueMark
            case "max_in_flight":
                connection.maxInFlight = integer(entry.value, "\(context) max_in_flight", in: 1...Self.concurrencyMax)
            case "rate":
                guard let raw = text(entry.value, "\(context) rate") else { continue }
                connection.rate = RateLimit.parse(raw)
                if connection.rate == nil {
                    report(entry.valueMark, "bad rate \"\(raw)\" in \(context) (expected N/T such as 10/1m, N >= 1, T > 0)")
                }
            case "queue":
                connection.queue = decodeQueue(entry.value, context: context)
            case "settings" where style == .workflow:
                for setting in self.entries(of: entry.value, in: "\(context) settings") ?? [] {
                    if let value = settingValue(setting, context: context) { connection.settings[setting.key] = value }
                }
            default:
                if let value = settingValue(entry, context: context) { connection.settings[entry.key] = value }
            }
        }
        if connection.platform.isEmpty {
            report(SourceMark(node), "\(context) needs a \"platform\" (\(PlatformNames.known.joined(separator: ", ")))")
            return nil
        }
        if !PlatformNames.known.contains(connection.platform) {
            report(platformMark, "unknown platform \"\(connection.platform)\" for \(context)"
                   + "\(Suggestion.hint(for: connection.platform, in: PlatformNames.known)) (known: \(PlatformNames.known.joined(separator: ", ")))")
        } else if let missing = PlatformCatalog.missingSettings(connection.platform, Set(connection.settings.keys)) {
            report(SourceMark(node), "\(context) (platform \(connection.platform)) needs \(missing)")
        }
        return connection
    }

    /// `queue: { max: 500, on_full: reject, timeout: 2h, aging: 1m }`; `aging: off` for strict priority.
    private mutating func decodeQueue(_ node: YAMLNode, context: String) -> QueueProfile {
        var profile = QueueProfile()
        for entry in entries(of: node, in: "\(context) queue", known: Self.queueKeys) ?? [] {
            let what = "\(context) queue.\(entry.key)"
            switch entry.key {
            case "max":
                profile.max = integer(entry.value, what, in: 1...Self.queueMax)
            case "on_full":
                guard let raw = text(entry.value, what) else { continue }
                guard let onFull = QueueProfile.OnFull(rawValue: raw) else {
                    let names = QueueProfile.OnFull.allCases.map(\.rawValue)
                    report(entry.valueMark, "bad \(what) \"\(raw)\" (expected \(names.joined(separator: ", ")))\(Suggestion.hint(for: raw, in: names))")
                    continue
                }
                profile.onFull = onFull
            case "timeout":
                profile.timeout = duration(entry.value, what)
            case "aging":
                if entry.value.scalar?.string == "off" { profile.aging = nil; continue }
                guard let aging = duration(entry.value, what) else { continue }
                guard aging > .zero, aging <= Self.agingMax else {
                    report(entry.valueMark, "\(what) must be more than 0s and at most 365d (or off for strict priority)")
                    continue
                }
                profile.aging = aging
            default:
                break
            }
        }
        return profile
    }

    /// Most tasks a connection's queue bound may allow.
    static let queueMax = 10_000_000
    /// Longest aging step: a year per priority point (priorities are at most ±1,000).
    static let agingMax = Duration.seconds(365 * 86_400)

    /// One setting's value; a credential must be a reference, never a literal (whose text no
    /// message repeats), and an address must not carry a password.
    private mutating func settingValue(_ entry: MappingEntry, context: String) -> String? {
        guard NameRules.isIdentifier(entry.key) else {
            report(entry.keyMark, "bad setting name \"\(entry.key)\" in \(context) (use letters, digits, _ and -)")
            return nil
        }
        guard let value = text(entry.value, "\(context) \(entry.key)") else { return nil }
        if CredentialSettings.names.contains(entry.key), CredentialSettings.reference(in: value) == nil {
            report(entry.valueMark, "\(context) \(entry.key) is a credential and takes only a reference, "
                   + "\"{{ secrets.NAME }}\" (from a secret store) or \"{{ env.NAME }}\": put the value in a secret store")
            return nil
        }
        if Self.carriesPassword(value) {
            report(entry.valueMark, "\(context) \(entry.key) is an address with a password in it: "
                   + "give the credential its own setting as a reference, e.g. password: \"{{ secrets.NAME }}\"")
            return nil
        }
        return value
    }

    /// True for `scheme://user:password@host...`.
    static func carriesPassword(_ value: String) -> Bool {
        guard let scheme = value.range(of: "://") else { return false }
        let rest = value[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }
}
