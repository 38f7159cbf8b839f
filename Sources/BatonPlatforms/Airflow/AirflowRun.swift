import Crypto
import Foundation

/// A DAG run as Baton names it: the DAG, the `dag_run_id` derived from the key, and the task
/// whose XCom `return_value` is the output. Recorded as the platform run ID
/// `<dag_id>/<dag_run_id>[/<output_task>]` (DAG IDs, run IDs and task IDs contain no `/`), so a
/// status read after a restart needs nothing else.
struct AirflowRun: Equatable {
    let dagID: String
    let runID: String
    let outputTask: String?

    var platformRunID: PlatformRunID {
        PlatformRunID([dagID, runID, outputTask].compactMap { $0 }.joined(separator: "/"))
    }

    init(dagID: String, runID: String, outputTask: String?) {
        self.dagID = dagID
        self.runID = runID
        self.outputTask = outputTask
    }

    /// - Throws: `PlatformError.notFound` for an ID this adapter did not make.
    init(_ id: PlatformRunID) throws(PlatformError) {
        let parts = id.rawValue.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 || parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .notFound("\(id) is not an Airflow DAG run ID of Baton's (dag_id/dag_run_id)")
        }
        self.init(dagID: parts[0], runID: parts[1], outputTask: parts.count == 3 ? parts[2] : nil)
    }

    /// The `dag_run_id` of a key, within Airflow's allowed pattern `^[A-Za-z0-9_.~:+-]+$` and
    /// clear of its reserved prefixes: `baton__<the key with every other character as _, at most
    /// 200>__<16 hex digits of the key's SHA-256>` (unique even where two keys read alike).
    static func dagRunID(_ key: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.~:+-")
        let readable = String(key.map { allowed.contains($0) ? $0 : "_" }.prefix(200))
        let digest = SHA256.hash(data: Data(key.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return "baton__\(readable)__\(digest)"
    }
}

/// Airflow DAG run and task instance states in Baton's terms.
enum AirflowMapping {
    static func state(_ state: String) -> (state: PlatformRunStatus.State, known: Bool) {
        switch state {
        case "queued": (.pending, true)
        case "running": (.running, true)
        case "success": (.succeeded(outputJSON: ""), true)
        case "failed": (.failed(message: "the DAG run failed"), true)
        default: (.running, false)
        }
    }
}
