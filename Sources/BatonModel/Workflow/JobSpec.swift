import Foundation

/// One value of a task's `job:` mapping as written; rendered at dispatch like every template.
public enum JobValue: Sendable, Equatable {
    case text(Template)
    case list([Template])
    case map([String: Template])

    /// Every template inside, for reference checks and rendering.
    public var templates: [Template] {
        switch self {
        case .text(let template): [template]
        case .list(let templates): templates
        case .map(let templates): templates.keys.sorted().compactMap { templates[$0] }
        }
    }
}

/// The `job:` keys one platform takes, checked at validation with the file, line and column.
public struct JobSchema: Sendable {
    public enum Shape: String, Sendable {
        /// One template; a list or mapping is refused.
        case text
        /// A list of templates; one string is a list of one.
        case list
        /// A mapping of names to templates.
        case map
    }

    public struct Key: Sendable {
        public let name: String
        public let shape: Shape
        /// What it is, for messages and `--help`.
        public let meaning: String
        /// Checks a value with no template reference (known at validation); returns the problem.
        public let checkLiteral: (@Sendable (String) -> String?)?

        public init(_ name: String, _ shape: Shape, _ meaning: String, checkLiteral: (@Sendable (String) -> String?)? = nil) {
            self.name = name
            self.shape = shape
            self.meaning = meaning
            self.checkLiteral = checkLiteral
        }
    }

    public let platform: String
    public let keys: [Key]
    /// Alternatives of which one must be given entirely, e.g. `[["command"]]`; empty: none is required.
    public let required: [[String]]

    public func key(_ name: String) -> Key? { keys.first { $0.name == name } }

    /// The problems of `job` (by key), without marks: the validator places them.
    /// A literal's problem names its key and its position in `JobValue.templates`.
    public func problems(_ job: [String: JobValue]) -> (unknown: [String], shapes: [(String, String)], literals: [(String, Int, String)], missing: String?) {
        var unknown: [String] = [], shapes: [(String, String)] = [], literals: [(String, Int, String)] = []
        for name in job.keys.sorted() {
            guard let key = key(name), let value = job[name] else { unknown.append(name); continue }
            switch (key.shape, value) {
            case (.text, .text), (.list, .list), (.map, .map): break
            case (.list, .text): break  // one string is a list of one
            default:
                shapes.append((name, "job.\(name) for platform \(platform) must be \(Self.describe(key.shape)) (\(key.meaning))"))
                continue
            }
            if let check = key.checkLiteral {
                for (position, template) in value.templates.enumerated() where template.references.isEmpty {
                    if let problem = check(template.source) { literals.append((name, position, "job.\(name): \(problem)")) }
                }
            }
        }
        var missing: String?
        if !required.isEmpty, !required.contains(where: { group in group.allSatisfy { job[$0] != nil } }) {
            let options = required.map { $0.map { "job.\($0)" }.joined(separator: " and ") }.joined(separator: ", or ")
            let meanings = required.flatMap { $0 }.compactMap { key($0).map { "\($0.name): \($0.meaning)" } }.joined(separator: "; ")
            missing = "platform \(platform) needs \(options) (\(meanings))"
        }
        return (unknown, shapes, literals, missing)
    }

    static func describe(_ shape: Shape) -> String {
        switch shape {
        case .text: "a single value"
        case .list: "a list of strings"
        case .map: "a mapping of names to values"
        }
    }
}

/// The platforms this version dispatches to, with the job keys each takes.
public enum PlatformCatalog {
    public static let schemas: [String: JobSchema] = [
        "process": JobSchema(platform: "process", keys: [
            .init("command", .list, "the argv to run, each element rendered alone, never through a shell"),
        ], required: [["command"]]),
        "sim": JobSchema(platform: "sim", keys: [
            .init("outcome", .list, "success or failure for each attempt; the last repeats", checkLiteral: { value in
                SimOutcome(rawValue: value) == nil ? "bad outcome \"\(value)\" (expected success or failure)" : nil
            }),
            .init("duration", .text, "how long an attempt takes, e.g. 90s", checkLiteral: { value in
                DurationText.parse(value) == nil ? "bad duration \"\(value)\" (expected e.g. 90s, 5m, 1h30m, 250ms)" : nil
            }),
            .init("echo", .map, "values rendered at dispatch and otherwise ignored, so a sim task can stand in for another platform's job"),
        ], required: []),
        "databricks": JobSchema(platform: "databricks", keys: [
            .init("job_id", .text, "the saved job to start with jobs/run-now", checkLiteral: { value in
                Int64(value).map { $0 > 0 } == true ? nil : "job_id \"\(value)\" is not a Databricks job ID (a positive integer)"
            }),
            .init("job_parameters", .map, "job-level parameters for run-now"),
            .init("notebook_path", .text, "the notebook of a one-time run (jobs/runs/submit)"),
            .init("cluster_id", .text, "the existing cluster the one-time run uses"),
            .init("base_parameters", .map, "the notebook's widget values in a one-time run"),
            .init("run_name", .text, "the one-time run's name (default: baton and the idempotency key)"),
            .init("output_task", .text, "the task_key whose notebook exit value is the output, for a job of several tasks"),
        ], required: [["job_id"], ["notebook_path", "cluster_id"]]),
        "ray": JobSchema(platform: "ray", keys: [
            .init("entrypoint", .text, "the shell command the job's driver runs"),
            .init("runtime_env", .text, "Ray's runtime environment as a JSON object, e.g. '{\"pip\": [\"pandas\"]}'", checkLiteral: { value in
                (try? JSONSerialization.jsonObject(with: Data(value.utf8))) is [String: Any] ? nil : "runtime_env is not a JSON object"
            }),
            .init("entrypoint_num_cpus", .text, "CPUs reserved for the driver", checkLiteral: { value in
                Double(value).map { $0 >= 0 } == true ? nil : "entrypoint_num_cpus \"\(value)\" is not a number of CPUs"
            }),
            .init("metadata", .map, "labels stored with the job (baton_key is added)"),
        ], required: [["entrypoint"]]),
        "airflow": JobSchema(platform: "airflow", keys: [
            .init("dag_id", .text, "the DAG to trigger"),
            .init("conf", .map, "the run's conf (a DAG reads it as dag_run.conf)"),
            .init("output_task", .text, "the task_id whose return value (XCom return_value) is the output, when the DAG has several tasks"),
        ], required: [["dag_id"]]),
        "adf": JobSchema(platform: "adf", keys: [
            .init("pipeline", .text, "the Data Factory pipeline to run"),
            .init("parameters", .map, "the pipeline's parameters (baton_key is added: declare it as a String parameter)"),
            .init("output_activity", .text, "the activity whose output (or pipelineReturnValue) is the task's output"),
        ], required: [["pipeline"]]),
        "http": JobSchema(platform: "http", keys: [
            .init("body", .map, "the submit request's JSON body (each value a template)"),
            .init("path_params", .map, "values for {name} placeholders in the connection's submit_path"),
        ], required: []),
    ]

    /// Platform names, sorted.
    public static let names = schemas.keys.sorted()

    /// The connection settings each remote platform needs: alternatives, one of which must be given whole.
    public static let connectionSettings: [String: [[String]]] = [
        "databricks": [["url", "token"], ["url", "client_id", "client_secret"]],
        "adf": [["tenant", "client_id", "client_secret", "subscription", "resource_group", "factory"]],
        "airflow": [["url", "token"], ["url", "username", "password"]],
        "ray": [["url"]],
        "http": [["url"]],
    ]

    /// What a connection of `platform` with `given` settings lacks, as a sentence part
    /// ("url and token, or url, client_id and client_secret"), or nil when nothing is missing.
    public static func missingSettings(_ platform: String, _ given: Set<String>) -> String? {
        guard let groups = connectionSettings[platform], !groups.contains(where: { given.isSuperset(of: $0) }) else { return nil }
        return groups.map { group in
            group.count == 1 ? group[0] : group.dropLast().joined(separator: ", ") + " and " + (group.last ?? "")
        }.joined(separator: ", or ")
    }
}
