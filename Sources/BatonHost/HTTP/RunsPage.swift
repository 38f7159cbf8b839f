import Foundation
import BatonState
import Hummingbird
import Synchronization

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

    /// The page as JSON: `{"runs": [...], "next": cursor or null}`, from `index` (every run,
    /// newest first) walked from the cursor until the page is full.
    /// - Complexity: O(log runs + runs walked past by the filters + page).
    func list(_ state: EngineState, _ index: RunIndex) throws -> [String: Any] {
        let keys = index.keys(state)
        var position = 0
        if let after {
            guard let cursor = state.runs[after] else {
                throw HTTPError(.badRequest, message: "cursor \(after) is not a run in this listing")
            }
            position = RunIndex.position(after: (cursor.createdAtMicros, after), in: keys)
        }
        var page: [RunState] = []
        var next: Any = NSNull()
        while position < keys.count {
            guard let run = state.runs[keys[position].id] else { position += 1; continue }
            position += 1
            if let workflow, run.workflow.name != workflow { continue }
            if let status, (run.outcome?.rawValue ?? "running") != status { continue }
            if page.count == limit {
                next = page.last?.id ?? NSNull()
                break
            }
            page.append(run)
        }
        let summaries: [[String: Any]] = page.map { run in
            ["run_id": run.id, "workflow": run.workflow.name, "status": run.outcome?.rawValue ?? "running",
             "trigger": run.trigger, "created_at_us": run.createdAtMicros, "logical_date_us": run.logicalDateMicros]
        }
        return ["runs": summaries, "next": next]
    }
}

/// Every run's (creation time, ID), newest first, sorted once per state the API sees and shared
/// by the requests that see the same state.
final class RunIndex: Sendable {
    typealias Key = (created: Int64, id: String)

    private struct Cached: Sendable {
        var seq: UInt64 = .max
        var keys: [Key] = []
    }

    private let cached = Mutex(Cached())

    init() {}

    /// The keys of `state`'s runs, newest first.
    /// - Complexity: O(1) when the state was indexed before, else O(runs log runs).
    func keys(_ state: EngineState) -> [Key] {
        if let hit = cached.withLock({ $0.seq == state.lastSeq ? $0.keys : nil }) { return hit }
        var keys: [Key] = []
        keys.reserveCapacity(state.runs.count)
        for (id, run) in state.runs { keys.append((run.createdAtMicros, id)) }
        keys.sort { ($0.created, $0.id) > ($1.created, $1.id) }
        cached.withLock { $0 = Cached(seq: state.lastSeq, keys: keys) }
        return keys
    }

    /// The index of the first key after `cursor` (older than it) in newest-first `keys`.
    static func position(after cursor: Key, in keys: [Key]) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if (keys[middle].created, keys[middle].id) >= (cursor.created, cursor.id) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
