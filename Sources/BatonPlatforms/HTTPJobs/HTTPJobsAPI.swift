import Foundation

/// How a generic HTTP job API is spoken, from a connection's settings: where to submit, read,
/// cancel and look up a job, which JSON fields carry its ID, state, output and error, and which
/// state values mean what.
struct HTTPJobsAPI: Sendable {
    let submitPath: String
    let statusPath: String
    let cancelPath: String?
    let lookUpPath: String?
    let idField: String
    let stateField: String
    let outputField: String
    let messageField: String
    let states: [String: PlatformRunStatus.State]

    /// State values by meaning when the connection does not list them.
    static let defaultStates: [(String, String)] = [
        ("pending_states", "pending,queued,submitted,accepted"), ("running_states", "running,in_progress,started"),
        ("succeeded_states", "succeeded,success,completed,done"), ("failed_states", "failed,error"),
        ("cancelled_states", "cancelled,canceled,stopped,aborted"),
    ]

    /// - Throws: `PlatformError.invalid` naming a setting that is malformed.
    init(_ connection: PlatformConnection) throws(PlatformError) {
        submitPath = connection.setting("submit_path") ?? "jobs"
        statusPath = connection.setting("status_path") ?? "jobs/{id}"
        cancelPath = connection.setting("cancel_path") ?? "jobs/{id}/cancel"
        lookUpPath = connection.setting("lookup_path")
        idField = connection.setting("id_field") ?? "id"
        stateField = connection.setting("state_field") ?? "status"
        outputField = connection.setting("output_field") ?? "output"
        messageField = connection.setting("message_field") ?? "error"
        guard statusPath.contains("{id}") else { throw .invalid("\(connection.label) status_path must contain {id}") }
        if let lookUpPath, !lookUpPath.contains("{key}") { throw .invalid("\(connection.label) lookup_path must contain {key}") }
        var states: [String: PlatformRunStatus.State] = [:]
        for (setting, fallback) in Self.defaultStates {
            let state: PlatformRunStatus.State = switch setting {
            case "pending_states": .pending
            case "running_states": .running
            case "succeeded_states": .succeeded(outputJSON: "")
            case "failed_states": .failed(message: "")
            default: .cancelled
            }
            for value in (connection.setting(setting) ?? fallback).split(separator: ",") {
                states[value.trimmingCharacters(in: .whitespaces).lowercased()] = state
            }
        }
        self.states = states
    }

    /// `template` with `{name}` replaced by `values` (each percent-encoded as one path segment).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var path = template
        for (name, value) in values {
            let encoded = value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? value
            path = path.replacingOccurrences(of: "{\(name)}", with: encoded)
        }
        return path
    }

    /// A dotted field (`result.state`) of a JSON object.
    static func field(_ object: [String: Any], _ path: String) -> Any? {
        var current: Any? = object
        for part in path.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current
    }
}
