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
        // Sort small keys, not run states: only the page's runs are looked at in full.
        var keys: [(created: Int64, id: String)] = []
        keys.reserveCapacity(state.runs.count)
        for (id, run) in state.runs {
            if let workflow, run.workflow.name != workflow { continue }
            if let status, (run.outcome?.rawValue ?? "running") != status { continue }
            keys.append((run.createdAtMicros, id))
        }
        keys.sort { ($0.created, $0.id) > ($1.created, $1.id) }
        var start = 0
        if let after {
            guard let index = keys.firstIndex(where: { $0.id == after }) else {
                throw HTTPError(.badRequest, message: "cursor \(after) is not a run in this listing")
            }
            start = index + 1
        }
        let page = keys[start..<min(start + limit, keys.count)]
        let summaries: [[String: Any]] = page.compactMap { key in
            state.runs[key.id].map { run in
                ["run_id": run.id, "workflow": run.workflow.name, "status": run.outcome?.rawValue ?? "running",
                 "trigger": run.trigger, "created_at_us": run.createdAtMicros, "logical_date_us": run.logicalDateMicros]
            }
        }
        let next: Any = start + limit < keys.count ? (page.last?.id ?? NSNull()) : NSNull()
        return ["runs": summaries, "next": next]
    }
}
