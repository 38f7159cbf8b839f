import BatonEvents
import BatonPlatforms
import BatonState

/// One thing the runtime does outside the lock; its outcome comes back as an observation.
enum Effect: Sendable {
    /// Submit a claimed attempt.
    case submit(Attempt)
    /// Poll a dispatched attempt until it finishes (`reconciling`: first answer is recorded as PlatformObserved).
    case poll(Attempt, PlatformRunID, reconciling: Bool)
    /// Resolve a claim found at start-up: look it up by key, or submit it again when that is safe.
    case reconcileClaim(Attempt)
    /// Stop a platform run (timed out, or its run cancelled).
    case cancel(Attempt, PlatformRunID)

}

/// Decides which effects the events of a commit call for; each dispatched attempt is polled once per process.
struct EffectPlanner {
    let dispatcherID: String
    let servedConnections: Set<String>?
    private var polls: Set<String> = []
    /// Claims of other dispatchers this process took over after their lease ran out (or found at
    /// start-up), by idempotency key: it submits them, so they count against its capacity.
    private(set) var adopted: Set<String> = []

    init(dispatcherID: String, servedConnections: Set<String>? = nil) {
        self.dispatcherID = dispatcherID
        self.servedConnections = servedConnections
    }

    /// Effects for newly committed events: submit our claims, poll new dispatches, cancel timeouts.
    mutating func effects(after events: [Baton_V1_Event], _ state: EngineState, runtime: Runtime) -> [Effect] {
        var effects: [Effect] = []
        for event in events {
            switch event.body {
            case .taskClaimed(let e) where e.dispatcherID == dispatcherID:
                // Every claim event is new work, even for a key claimed before: a throttled submit
                // releases its claim and the same attempt is claimed again later.
                guard let work = runtime.attempt(state, event.runID, e.task, attempt: e.attempt, forSubmit: true), work.status == .claimed else { continue }
                effects.append(.submit(work))
            case .taskDispatched(let e) where servedConnections?.contains(e.connection) ?? true:
                let key = Decider.idempotencyKey(event.runID, e.task, e.attempt)
                guard polls.insert(key).inserted, let work = runtime.attempt(state, event.runID, e.task, attempt: e.attempt) else { continue }
                effects.append(.poll(work, PlatformRunID(e.platformRunID), reconciling: false))
            case .taskTimedOut, .taskCancelRequested:
                if let stop = Self.stop(after: event, state, runtime: runtime) { effects.append(stop) }
            default:
                continue
            }
        }
        return effects
    }

    /// The stop request a committed event calls for: a timed-out attempt, or a running attempt of
    /// a run being cancelled (requested only while running, so the last platform run ID is this
    /// attempt's). Nil for other events or an attempt without a platform run.
    static func stop(after event: Baton_V1_Event, _ state: EngineState, runtime: Runtime) -> Effect? {
        let task: String
        switch event.body {
        case .taskTimedOut(let e): task = e.task
        case .taskCancelRequested(let e): task = e.task
        default: return nil
        }
        // `state` ends with this commit, and no later attempt can be dispatched in the commit
        // that stops this one (dispatches are observations of later commits), so the task's last
        // platform run ID is the stopped attempt's even when a retry was already queued.
        guard let work = runtime.attempt(state, event.runID, task), let last = work.platformRunID else { return nil }
        return .cancel(work, PlatformRunID(last))
    }

    /// Start-up reconciliation: every attempt the log says is claimed or running is asked about
    /// on its platform, by run ID or by idempotency key.
    mutating func reconciliation(_ state: EngineState, runtime: Runtime) -> [Effect] {
        var effects: [Effect] = []
        for ref in state.active.sorted(by: { ($0.run, $0.index) < ($1.run, $1.index) }) {
            guard let run = state.runs[ref.run],
                  let work = runtime.attempt(state, ref.run, run.graph.names[ref.index], forSubmit: run.tasks[ref.index].status == .claimed),
                  servedConnections?.contains(work.connection) ?? true else { continue }
            if work.status == .running, let id = work.platformRunID {
                polls.insert(work.key)
                effects.append(.poll(work, PlatformRunID(id), reconciling: true))
            } else {
                adopted.insert(work.key)
                effects.append(.reconcileClaim(work))
            }
        }
        return effects
    }

    /// Work nobody watches any more: attempts running on a served connection that this process
    /// does not poll (their dispatcher died or lives elsewhere; polling twice is harmless, answers
    /// are admitted once), and claims of other dispatchers whose lease ran out.
    /// - Complexity: O(active tasks), plus sorting the orphans found.
    mutating func orphans(_ state: EngineState, now: Int64, runtime: Runtime) -> [Effect] {
        var found: [(ref: TaskRef, effect: Effect)] = []
        for ref in state.active {
            guard let run = state.runs[ref.run] else { continue }
            let task = run.tasks[ref.index]
            guard let claim = task.claim, servedConnections?.contains(claim.connection) ?? true else { continue }
            let key = claim.idempotencyKey
            switch task.status {
            case .running where !polls.contains(key) && claim.dispatcherID != dispatcherID:
                guard let work = runtime.attempt(state, ref.run, run.graph.names[ref.index]), let id = work.platformRunID else { continue }
                polls.insert(key)
                found.append((ref, .poll(work, PlatformRunID(id), reconciling: true)))
            case .claimed where claim.dispatcherID != dispatcherID && claim.leaseDeadlineMicros < now && !adopted.contains(key):
                guard let work = runtime.attempt(state, ref.run, run.graph.names[ref.index], forSubmit: true) else { continue }
                adopted.insert(key)
                found.append((ref, .reconcileClaim(work)))
            default:
                continue
            }
        }
        // In a fixed order: two sets of the same elements iterate differently, and the order of
        // effects must follow from the log alone.
        return found.sorted { ($0.ref.run, $0.ref.index) < ($1.ref.run, $1.ref.index) }.map(\.effect)
    }
}
