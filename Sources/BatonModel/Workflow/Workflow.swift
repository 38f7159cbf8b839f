/// A parsed and validated workflow definition: metadata, governance settings and an ordered list of tasks.
///
/// Produced by ``WorkflowLoader``; every field already has its default applied, so consumers never
/// look at ``defaults`` to resolve a task. Build a ``WorkflowGraph`` from it to run it.
public struct Workflow: Sendable, Equatable {
    /// Workflow name, `[a-z0-9_-]+`.
    public var name: String
    /// Who answers for it (usually an e-mail address); empty when not given.
    public var owner: String
    /// Free text; empty when not given.
    public var description: String
    /// Names of the webhooks that hear of its failures (the host maps names to addresses).
    public var alerts: [String] = []
    /// Declared parameters with their default values; `{{ params.x }}` may name only these (or task params).
    public var params: [String: String]
    /// When runs start on their own; `nil` for manually triggered workflows.
    public var schedule: WorkflowSchedule?
    /// Platform connections by name; the built-in `sim` connection appears here when a task uses it.
    public var connections: [String: ConnectionSpec]
    /// The defaults as written; already applied to every task.
    public var defaults: WorkflowDefaults
    /// Tasks in file order.
    public var tasks: [TaskSpec]
    /// The source text the workflow was parsed from; callers hash it for the content hash.
    public var source: String

    public init(
        name: String,
        owner: String = "",
        description: String = "",
        params: [String: String] = [:],
        schedule: WorkflowSchedule? = nil,
        connections: [String: ConnectionSpec] = [:],
        defaults: WorkflowDefaults = WorkflowDefaults(),
        tasks: [TaskSpec] = [],
        source: String = ""
    ) {
        self.name = name
        self.owner = owner
        self.description = description
        self.params = params
        self.schedule = schedule
        self.connections = connections
        self.defaults = defaults
        self.tasks = tasks
        self.source = source
    }

    /// The problem with run parameters `given` (names not in ``params``), or nil when every
    /// one is declared: a trigger may only set what templates can name.
    public func undeclaredParamsProblem(_ given: [String: String]) -> String? {
        let unknown = given.keys.filter { params[$0] == nil }.sorted()
        guard let first = unknown.first else { return nil }
        let declared = params.keys.sorted()
        let names = unknown.count == 1 ? "param \(first)" : "params \(unknown.joined(separator: ", "))"
        return "workflow \(name) declares no \(names)" + (declared.isEmpty ? " (it declares no params)" : " (declared: \(declared.joined(separator: ", ")))")
    }

    /// The task named `id`, if any.
    /// - Complexity: O(n) in the number of tasks.
    public func task(named id: String) -> TaskSpec? {
        tasks.first { $0.id == id }
    }
}

/// When and how a workflow runs on its own.
public struct WorkflowSchedule: Sendable, Equatable {
    /// Five-field cron expression, validated with ``CronSchedule``.
    public var cron: String
    /// IANA time zone identifier the cron expression is read in (default `UTC`).
    public var timeZone: String
    /// Whether missed intervals are run after downtime (default `false`).
    public var catchup: Bool
    /// Most runs of this workflow active at once (default 1).
    public var maxActiveRuns: Int

    public init(cron: String, timeZone: String = "UTC", catchup: Bool = false, maxActiveRuns: Int = 1) {
        self.cron = cron
        self.timeZone = timeZone
        self.catchup = catchup
        self.maxActiveRuns = maxActiveRuns
    }
}

/// One platform connection and the limits that govern calls to it.
public struct ConnectionSpec: Sendable, Equatable {
    /// Platform adapter name: `sim`, `process`, ... .
    public var platform: String
    /// Most tasks claimed or running on this connection at once; `nil` = unlimited.
    public var maxInFlight: Int?
    /// Most dispatches in any sliding window; `nil` = unlimited.
    public var rate: RateLimit?
    /// Platform-specific settings (host, workspace, ...), as strings.
    public var settings: [String: String]
    /// How tasks wait for the connection: queue bound, what a full queue does, queue timeout, aging.
    public var queue: QueueProfile

    public init(platform: String, maxInFlight: Int? = nil, rate: RateLimit? = nil, settings: [String: String] = [:],
                queue: QueueProfile = QueueProfile()) {
        self.platform = platform
        self.maxInFlight = maxInFlight
        self.rate = rate
        self.settings = settings
        self.queue = queue
    }

    /// The connection every workflow has without declaring it: name `sim`, platform `sim`.
    public static let builtInName = "sim"
}

/// The contention profile of a connection: how many tasks may wait for it, what happens to one
/// more, how long one may wait, and how fast waiting raises a task's priority.
public struct QueueProfile: Sendable, Equatable {
    /// What a task that finds the queue full does.
    public enum OnFull: String, Sendable, Equatable, CaseIterable {
        /// It is held (stays pending, in order) until the queue has room.
        case wait
        /// It fails with class `rejected`; its retry policy decides whether it tries again.
        case reject
        /// The task that has waited longest fails with class `dropped`, and this one is queued.
        case dropOldest = "drop_oldest"
    }

    /// Most tasks waiting on the connection (queued, or claimed and not yet accepted); nil: no bound.
    public var max: Int?
    public var onFull: OnFull
    /// A task waiting longer than this fails with class `queue_timeout`; nil: no limit.
    public var timeout: Duration?
    /// Waiting this long raises a task's priority by one, so low priority never starves; nil: strict priority.
    public var aging: Duration?

    /// Every waiting task gains a priority point per minute waited.
    public static let defaultAging = Duration.seconds(60)

    public init(max: Int? = nil, onFull: OnFull = .wait, timeout: Duration? = nil, aging: Duration? = QueueProfile.defaultAging) {
        self.max = max
        self.onFull = onFull
        self.timeout = timeout
        self.aging = aging
    }
}

/// Values a task takes when it does not set them itself.
public struct WorkflowDefaults: Sendable, Equatable {
    /// Connection name for tasks that name none.
    public var connection: String?
    /// Retry policy for tasks without `retry` (fields a task omits come from here).
    public var retry: RetryPolicy
    /// Timeout for tasks without `timeout`.
    public var timeout: Duration?
    /// Whether tasks may be re-run after a crash when the platform cannot be asked (default `true`).
    public var idempotent: Bool

    public init(connection: String? = nil, retry: RetryPolicy = RetryPolicy(), timeout: Duration? = nil, idempotent: Bool = true) {
        self.connection = connection
        self.retry = retry
        self.timeout = timeout
        self.idempotent = idempotent
    }
}
