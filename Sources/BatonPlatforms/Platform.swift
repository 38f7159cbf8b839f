/// A system that runs work for Baton: a local process, a cloud job service, a simulator.
///
/// Every call carries an explicit deadline; the caller appends the outcome as an event before
/// anything relies on it. Implementations must be idempotent by `SubmitRequest.idempotencyKey`:
/// submitting the same key twice returns the run the first submission created.
public protocol Platform: Sendable {
    /// What this platform can do; the engine's recovery depends on it.
    var capabilities: PlatformCapabilities { get }

    /// Starts the work, or finds the run an earlier submission with the same key started.
    /// - Throws: `PlatformError` (throttled, transient, auth, invalid, ...).
    func submit(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunID

    /// The run submitted under `idempotencyKey`, if the platform has one (nil: never submitted).
    /// Only called when `capabilities.canLookUpByKey`.
    /// - Throws: `PlatformError`.
    func lookUp(idempotencyKey: String) async throws(PlatformError) -> PlatformRunStatus?

    /// The run submitted for `request` (its key), if any; the engine asks this one, so an
    /// adapter can narrow the search with the job (Data Factory's pipeline) and name the run as
    /// its own submit would have. By default, `lookUp(idempotencyKey:)`.
    /// - Throws: `PlatformError`.
    func lookUp(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunStatus?

    /// The current state of a run.
    /// - Throws: `PlatformError.notFound` when the platform does not know `run`.
    func status(of run: PlatformRunID) async throws(PlatformError) -> PlatformRunStatus

    /// Asks the platform to stop a run; returns once the request was accepted.
    /// - Throws: `PlatformError`.
    func cancel(_ run: PlatformRunID) async throws(PlatformError)

    /// What the platform kept of a run's log: its last `tailBytes` bytes and where to see the rest
    /// (the platform's own run page), for `baton logs`.
    /// - Throws: `PlatformError.notFound` when the platform does not know `run`.
    func logs(of run: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog

    /// The cheapest read that proves the platform can be used as configured (reachable,
    /// credentials accepted); returns one line saying what was checked, never a secret.
    /// - Throws: `PlatformError` classifying why not (`auth`, `transient` for unreachable, ...).
    func check() async throws(PlatformError) -> String
}

extension Platform {
    public func lookUp(_ request: SubmitRequest) async throws(PlatformError) -> PlatformRunStatus? {
        try await lookUp(idempotencyKey: request.idempotencyKey)
    }

    public func logs(of run: PlatformRunID, tailBytes: Int) async throws(PlatformError) -> PlatformLog {
        PlatformLog(text: "", link: nil, note: "this platform keeps no log Baton can read")
    }
}

/// A run's log as the platform keeps it (may hold anything the job printed: masked before it is shown).
public struct PlatformLog: Sendable, Equatable {
    /// The last bytes of the log (stdout and stderr where the platform keeps both).
    public var text: String
    /// The platform's own page for the run, when it has one.
    public var link: String?
    /// What to know about what is shown (cut to its tail, only the error text, ...).
    public var note: String?

    public init(text: String, link: String? = nil, note: String? = nil) {
        self.text = text
        self.link = link
        self.note = note
    }

    /// The last `bytes` bytes of `text`, on a character boundary, and whether it was cut.
    public static func tail(_ text: String, _ bytes: Int) -> (String, Bool) {
        guard text.utf8.count > bytes else { return (text, false) }
        return (String(decoding: text.utf8.suffix(bytes), as: UTF8.self), true)
    }
}

/// What a platform declares about itself.
public struct PlatformCapabilities: Sendable, Equatable {
    /// The platform can answer "what did you run for this idempotency key?". Without it, a crash
    /// between claim and dispatch is resolved by the task's `idempotent` flag.
    public var canLookUpByKey: Bool
    /// The platform can stop a running job (timeouts and cancellation use it).
    public var canCancel: Bool
    /// Submitting again with the same key returns the run the first submission started (Databricks'
    /// `idempotency_token`): after a crash or a lost answer the engine submits again instead of
    /// looking up, whether or not the task is marked idempotent.
    public var deduplicatesByKey: Bool
    /// The shortest time between two status reads of one attempt (a remote API's request budget);
    /// nil: the engine's own `pollInitial`.
    public var pollFloor: Duration?
    /// A look-up that finds the key `pending` means the platform holds the key but never started
    /// the work (the process platform after a crash mid-spawn): submitting again with the key
    /// resolves it. Elsewhere a pending run is a real run (queued on Data Factory) and is adopted.
    public var pendingByKeyIsUnstarted: Bool

    /// Declares the capabilities.
    public init(canLookUpByKey: Bool, canCancel: Bool, deduplicatesByKey: Bool = false, pollFloor: Duration? = nil,
                pendingByKeyIsUnstarted: Bool = false) {
        self.canLookUpByKey = canLookUpByKey
        self.canCancel = canCancel
        self.deduplicatesByKey = deduplicatesByKey
        self.pollFloor = pollFloor
        self.pendingByKeyIsUnstarted = pendingByKeyIsUnstarted
    }
}

/// The platform's own identifier of a run (a process ID file, a Databricks run_id, ...).
public struct PlatformRunID: Sendable, Hashable, CustomStringConvertible {
    /// The identifier as the platform spells it.
    public let rawValue: String

    /// Wraps an identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }
}

/// One attempt of one task, ready to run: templates rendered, secrets resolved.
public struct SubmitRequest: Sendable, Equatable {
    /// `run/task/attempt`: the platform deduplicates submissions by it.
    public var idempotencyKey: String
    /// The run, the task (replicas as `t[0]`) and the attempt number (from 1).
    public var runID: String
    public var taskID: String
    public var attempt: UInt32
    /// The task's `job:`, rendered: the keys this platform declares in `PlatformCatalog`.
    public var job: RenderedJob
    /// Extra environment variables for the job (may hold secret values: never log them).
    public var environment: [String: String]

    /// Makes a request.
    public init(idempotencyKey: String, runID: String, taskID: String, attempt: UInt32, job: RenderedJob = RenderedJob(),
                environment: [String: String] = [:]) {
        self.idempotencyKey = idempotencyKey
        self.runID = runID
        self.taskID = taskID
        self.attempt = attempt
        self.job = job
        self.environment = environment
    }
}

/// A task's job with every template rendered (values may hold secrets: never log them).
public struct RenderedJob: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case list([String])
        case map([String: String])
    }

    public var values: [String: Value]

    public init(_ values: [String: Value] = [:]) { self.values = values }

    /// A single value.
    public func text(_ key: String) -> String? {
        if case .text(let value) = values[key] { return value }
        return nil
    }

    /// A list; one value is a list of one.
    public func list(_ key: String) -> [String]? {
        switch values[key] {
        case .list(let items): items
        case .text(let value): [value]
        default: nil
        }
    }

    public func map(_ key: String) -> [String: String]? {
        if case .map(let value) = values[key] { return value }
        return nil
    }
}

/// What a simulated attempt does.
public enum SimAttemptOutcome: String, Sendable, Equatable {
    case success
    case failure
}

/// Where a platform run is.
public struct PlatformRunStatus: Sendable, Equatable {
    /// The run's state.
    public enum State: Sendable, Equatable {
        case pending
        case running
        /// Finished well; `outputJSON` is the task's output object ("" when none).
        case succeeded(outputJSON: String)
        /// Finished badly; `message` says why (exit status, the platform's error text).
        case failed(message: String)
        case cancelled
    }

    public var runID: PlatformRunID
    public var state: State

    /// Makes a status.
    public init(runID: PlatformRunID, state: State) {
        self.runID = runID
        self.state = state
    }

    /// True once the run can no longer change.
    public var isTerminal: Bool {
        switch state {
        case .pending, .running: return false
        case .succeeded, .failed, .cancelled: return true
        }
    }
}

/// Classified platform failures; the class decides retries and throttling.
public enum PlatformError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Slow down (HTTP 429): pause this connection, optionally for as long as the platform said.
    case throttled(retryAfter: Duration?, message: String)
    /// Worth trying again (timeouts, 5xx, connection resets).
    case transient(String)
    /// Credentials were refused; retrying will not help.
    case auth(String)
    /// The request itself is wrong (bad job spec); retrying will not help.
    case invalid(String)
    /// The platform does not know the run or key asked about.
    case notFound(String)

    public var description: String {
        switch self {
        case .throttled(let after, let message):
            return "throttled\(after.map { " (retry after \($0))" } ?? ""): \(message)"
        case .transient(let message): return "transient: \(message)"
        case .auth(let message): return "auth: \(message)"
        case .invalid(let message): return "invalid: \(message)"
        case .notFound(let message): return "not found: \(message)"
        }
    }

    /// Whether trying again may succeed.
    public var isRetryable: Bool {
        switch self {
        case .throttled, .transient: return true
        case .auth, .invalid, .notFound: return false
        }
    }
}
