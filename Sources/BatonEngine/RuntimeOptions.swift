public import Logging

/// How the runtime dispatches and watches work.
public struct RuntimeOptions: Sendable {
    /// This process's dispatcher identity, recorded in every claim.
    public var dispatcherID: String
    /// The first status poll after a dispatch; polls back off by doubling up to `pollMax`.
    public var pollInitial: Duration
    public var pollMax: Duration
    /// The longest one platform call may take before it counts as a transient failure; nil for
    /// no limit (a simulation whose clock jumps on sleep must not race its calls against it).
    public var callTimeout: Duration?
    /// Secret values by name, for `{{ secrets.name }}`; never logged or appended.
    public var secrets: [String: String]
    /// Stores asked in order, at dispatch, for secrets `secrets` does not hold (Vault, AWS, Azure).
    public var secretStores: [any SecretStore] = []
    /// How long a value fetched from a store is used before it is fetched again.
    public var secretTTL: Duration = SecretResolver.defaultTTL
    /// The most claims one decision makes.
    public var claimsPerCommitMax: Int
    /// The connections this process claims work for (nil: all).
    public var servedConnections: Set<String>?
    /// The most tasks this process holds at once (claimed or running), over all connections
    /// (nil: only the connections' own limits).
    public var concurrency: Int?
    /// How often the log is checked for appends by other processes.
    public var foreignPollInterval: Duration
    /// How long a claim is protected from other dispatchers; past it, anyone may reconcile it.
    public var claimLease: Duration
    /// Write a snapshot once this many events were appended since the last one (0: never).
    public var snapshotEveryEvents: UInt64
    /// Write a snapshot once this much time passed since the last one, if anything was appended.
    public var snapshotEvery: Duration
    /// What the loop does when the log's device is full. Nil: the loop ends with the error
    /// (`baton run` exits 3; the run resumes later). Set: it keeps what the platforms answered,
    /// claims nothing new, and tries again after a pause that doubles from 100 ms up to this
    /// (the host: it refuses writes meanwhile and carries on when space returns).
    public var diskFullRetryMax: Duration? = nil
    /// Where the loop reports trouble it waits out (a full disk).
    public var logger = Logger(label: "baton.engine")

    /// Sensible defaults for local work.
    public init(dispatcherID: String, pollInitial: Duration = .milliseconds(20), pollMax: Duration = .seconds(2),
                callTimeout: Duration? = .seconds(60), secrets: [String: String] = [:], claimsPerCommitMax: Int = 512,
                servedConnections: Set<String>? = nil, foreignPollInterval: Duration = .milliseconds(200),
                claimLease: Duration = .seconds(60), snapshotEveryEvents: UInt64 = 50_000, snapshotEvery: Duration = .seconds(600)) {
        self.dispatcherID = dispatcherID
        self.pollInitial = pollInitial
        self.pollMax = pollMax
        self.callTimeout = callTimeout
        self.secrets = secrets
        self.claimsPerCommitMax = claimsPerCommitMax
        self.servedConnections = servedConnections
        self.foreignPollInterval = foreignPollInterval
        self.claimLease = claimLease
        self.snapshotEveryEvents = snapshotEveryEvents
        self.snapshotEvery = snapshotEvery
    }
}
