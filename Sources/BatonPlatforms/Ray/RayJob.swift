import Crypto
import Foundation

/// What a Ray task submits (`POST /api/jobs/`), from the task's rendered `job:` keys.
struct RayJob {
    let entrypoint: String
    let runtimeEnv: [String: Any]?
    let numCPUs: Double?
    let metadata: [String: String]

    /// - Throws: `PlatformError.invalid` naming the key that is wrong.
    init(_ job: RenderedJob) throws(PlatformError) {
        guard let entrypoint = job.text("entrypoint"), !entrypoint.isEmpty else { throw .invalid("a ray job needs job.entrypoint") }
        self.entrypoint = entrypoint
        if let text = job.text("runtime_env") {
            guard let data = text.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw .invalid("job.runtime_env is not a JSON object")
            }
            runtimeEnv = object
        } else {
            runtimeEnv = nil
        }
        if let text = job.text("entrypoint_num_cpus") {
            guard let cpus = Double(text), cpus >= 0 else { throw .invalid("job.entrypoint_num_cpus \"\(text.prefix(20))\" is not a number of CPUs") }
            numCPUs = cpus
        } else {
            numCPUs = nil
        }
        metadata = job.map("metadata") ?? [:]
    }

    /// The request body under `submissionID`; the key rides in the metadata for people reading Ray's UI.
    func body(submissionID: String, key: String) -> [String: Any] {
        var body: [String: Any] = ["entrypoint": entrypoint, "submission_id": submissionID,
                                   "metadata": metadata.merging(["baton_key": key]) { mine, _ in mine }]
        if let runtimeEnv { body["runtime_env"] = runtimeEnv }
        if let numCPUs { body["entrypoint_num_cpus"] = numCPUs }
        return body
    }

    /// The `submission_id` of a key: readable (the key with anything but letters, digits, `-`
    /// and `_` as `_`, at most 40 characters) and unique (16 hex digits of the key's SHA-256).
    static func submissionID(_ key: String) -> String {
        let readable = String(key.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" }.prefix(40))
        let digest = SHA256.hash(data: Data(key.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return "baton-\(readable)-\(digest)"
    }
}
