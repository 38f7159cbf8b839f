import Foundation
import BatonState
import Hummingbird

/// `GET /v1/runs`: newest first, filtered by workflow and status, paged by a cursor (the last run
/// ID of the previous page).
struct RunsPage {
    var workflow: String?
    var status: String?
    var limit = 50
    var after: String?

    static let statuses: Set<String> = ["running", "succeeded", "failed", "cancelled"]

    init(_ query: Parameters) throws {
        workflow = query.get("workflow")
        status = query.get("status")
        after = query.get("after")
        if let status, !Self.statuses.contains(status) {
            throw HTTPError(.badRequest, message: "status \(status) is not one of \(Self.statuses.sorted().joined(separator: ", "))")
        }
        if let text = query.get("limit") {
            guard let value = Int(text), (1...HostAPI.pageSizeMax).contains(value) else {
                throw HTTPError(.badRequest, message: "limit \(text) is not a number from 1 to \(HostAPI.pageSizeMax)")
            }
            limit = value
        }
    }

    /// The page as JSON: `{"runs": [...], "next": cursor or null}`.
    /// - Complexity: O(runs log runs).
    func list(_ state: EngineState) throws -> [String: Any] {
        let runs = state.runs.values
            .filter { run in workflow.map { run.workflow.name == $0 } ?? true }
            .filter { run in status.map { (run.outcome?.rawValue ?? "running") == $0 } ?? true }
            .sorted { ($0.createdAtMicros, $0.id) > ($1.createdAtMicros, $1.id) }
        var start = 0
        if let after {
            guard let index = runs.firstIndex(where: { $0.id == after }) else {
                throw HTTPError(.badRequest, message: "cursor \(after) is not a run in this listing")
            }
            start = index + 1
        }
        let page = runs[start..<min(start + limit, runs.count)]
        let summaries: [[String: Any]] = page.map { run in
            ["run_id": run.id, "workflow": run.workflow.name, "status": run.outcome?.rawValue ?? "running",
             "trigger": run.trigger, "created_at_us": run.createdAtMicros, "logical_date_us": run.logicalDateMicros]
        }
        let next: Any = start + limit < runs.count ? (page.last?.id ?? NSNull()) : NSNull()
        return ["runs": summaries, "next": next]
    }
}
