/// One task of a workflow as written (before replica expansion), with defaults applied.
public struct TaskSpec: Sendable, Equatable {
    /// Task name, unique in the workflow, `[A-Za-z0-9_-]+`.
    public var id: String
    /// Name of the connection the task is dispatched on.
    public var connection: String
    /// What to run on the connection's platform, by the keys that platform declares
    /// (``PlatformCatalog``): `command` for `process`, `outcome`/`duration` for `sim`, ...
    /// Values are templates rendered at dispatch.
    public var job: [String: JobValue]
    /// Environment variables for the job (process platform), rendered like the job: the way to
    /// hand a process a secret without putting it in its argv, which other local users can read.
    public var environment: [String: Template] = [:]
    /// Incoming edges in file order.
    public var after: [Edge]
    /// How the edges combine (default `.all`).
    public var join: Join
    /// When and how failed attempts are retried.
    public var retry: RetryPolicy
    /// Longest an attempt may run before it is cancelled; `nil` = no limit.
    public var timeout: Duration?
    /// Task parameters, layered over the workflow's.
    public var params: [String: String]
    /// Static fan-out; `nil` for a single node.
    public var replicas: ReplicaSpec?
    /// Whether a re-submit after a crash is safe when the platform cannot be asked (default `true`).
    public var idempotent: Bool
    /// Claim order within its connection: higher first (default 0), raised by waiting (the
    /// connection's `queue.aging`), first come first served among equals.
    public var priority: Int = 0
    /// How many of the connection's `max_in_flight` one attempt occupies (default 1).
    public var slots: Int = 1

    /// The range `priority` takes.
    public static let priorityRange = -1_000...1_000

    public init(
        id: String,
        connection: String = ConnectionSpec.builtInName,
        job: [String: JobValue] = [:],
        after: [Edge] = [],
        join: Join = .all,
        retry: RetryPolicy = RetryPolicy(),
        timeout: Duration? = nil,
        params: [String: String] = [:],
        replicas: ReplicaSpec? = nil,
        idempotent: Bool = true
    ) {
        self.id = id
        self.connection = connection
        self.job = job
        self.after = after
        self.join = join
        self.retry = retry
        self.timeout = timeout
        self.params = params
        self.replicas = replicas
        self.idempotent = idempotent
    }

    /// Every template of the job and its environment.
    public var templates: [Template] {
        job.keys.sorted().flatMap { job[$0]?.templates ?? [] } + environment.keys.sorted().compactMap { environment[$0] }
    }

    /// How many graph nodes this task becomes (1 without replicas).
    public var replicaCount: Int { replicas?.count ?? 1 }
}

/// Static fan-out of one task into `t[0]`, `t[1]`, ... .
public enum ReplicaSpec: Sendable, Equatable {
    /// `replicas: N`: N identical nodes.
    case count(Int)
    /// `replicas: [{...}, {...}]`: one node per map, whose entries are added to the task's params.
    case params([[String: String]])

    /// Largest accepted fan-out of one task.
    public static let countMax = 10_000

    /// Number of nodes.
    public var count: Int {
        switch self {
        case .count(let count): count
        case .params(let maps): maps.count
        }
    }

    /// Extra params of replica `index`; empty for `.count`.
    public func params(ofReplica index: Int) -> [String: String] {
        switch self {
        case .count: [:]
        case .params(let maps): maps[index]
        }
    }
}

/// What the `sim` platform answers for one attempt.
public enum SimOutcome: String, Sendable, Equatable, CaseIterable {
    case success
    case failure
}
