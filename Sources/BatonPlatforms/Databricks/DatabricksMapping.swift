/// Databricks run states and errors in Baton's terms (Jobs API 2.1 `runs/get`).
enum DatabricksMapping {
    /// Life-cycle states that are not terminal yet, by what Baton calls them.
    static let waiting: Set<String> = ["QUEUED", "PENDING", "BLOCKED", "WAITING_FOR_RETRY"]
    static let active: Set<String> = ["RUNNING", "TERMINATING"]

    /// What a run's `state` object says, before any output is read. `known` is false for a
    /// life-cycle or result state this adapter does not know (treated as not terminal).
    static func state(lifeCycle: String, result: String?, message: String) -> (state: PlatformRunStatus.State, known: Bool) {
        if waiting.contains(lifeCycle) { return (.pending, true) }
        if active.contains(lifeCycle) { return (.running, true) }
        let why = message.isEmpty ? "" : ": \(message)"
        switch lifeCycle {
        case "SKIPPED":
            return (.failed(message: "Databricks skipped the run\(why)"), true)
        case "INTERNAL_ERROR":
            return (.failed(message: "Databricks internal error\(why)"), true)
        case "TERMINATED":
            switch result ?? "" {
            case "SUCCESS", "SUCCESS_WITH_FAILURES":
                return (.succeeded(outputJSON: ""), true)
            case "CANCELED":
                return (.cancelled, true)
            case "FAILED", "TIMEDOUT", "MAXIMUM_CONCURRENT_RUNS_REACHED", "EXCLUDED", "UPSTREAM_FAILED", "UPSTREAM_CANCELED", "DISABLED":
                return (.failed(message: "run ended \(result ?? "")\(why)"), true)
            default:
                return (.running, false)
            }
        default:
            return (.running, false)
        }
    }

    /// The error an answer that is not a success means. Databricks answers a run or job that does
    /// not exist with 400 `INVALID_PARAMETER_VALUE ... does not exist`: that is not found.
    static func failure(_ answer: HTTPAnswer, label: String, what: String, now: Date) -> PlatformError {
        let object = answer.object
        let code = (object?["error_code"] as? String) ?? ""
        let message = (object?["message"] as? String) ?? ""
        let detail = object == nil ? nil : [code, message].filter { !$0.isEmpty }.joined(separator: " ")
        if code == "RESOURCE_DOES_NOT_EXIST" || (answer.status == 400 && message.contains("does not exist")) {
            return .notFound("\(label): \(what): \(detail ?? answer.text())")
        }
        if code == "REQUEST_LIMIT_EXCEEDED" || message.contains("token bucket limit") {
            return .throttled(retryAfter: RetryAfter.of(answer, now: now), message: "\(label) answered HTTP \(answer.status) to \(what): \(detail ?? "")")
        }
        if code == "TEMPORARILY_UNAVAILABLE" { return .transient("\(label): \(what): \(detail ?? answer.text())") }
        return HTTPFailure.classify(answer, label: label, what: what, detail: detail, now: now)
    }
}

import Foundation
