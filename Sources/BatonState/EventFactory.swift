public import BatonEvents
import BatonModel

/// Builds the events the decider and the runtime append, so each shape is written once.
public enum EventFactory {
    private static func event(_ run: String, actor: String = "engine", _ fill: (inout Baton_V1_Event) -> Void) -> Baton_V1_Event {
        var event = Baton_V1_Event()
        event.runID = run
        event.actor = actor
        fill(&event)
        return event
    }

    public static func taskQueued(_ run: String, _ task: String, attempt: UInt32) -> Baton_V1_Event {
        event(run) { $0.taskQueued = .with { $0.task = task; $0.attempt = attempt } }
    }

    static func taskSkipped(_ run: String, _ task: String, upstream: String, _ reason: SkipReason) -> Baton_V1_Event {
        event(run) {
            $0.taskSkipped = .with {
                $0.task = task
                $0.upstream = upstream
                $0.condition = condition(reason.condition)
                $0.reason = "\(upstream) \(reason.upstreamState.rawValue), edge needs \(reason.condition.rawValue)"
            }
        }
    }

    static func retryScheduled(_ run: String, _ task: String, attempt: UInt32, notBefore: Int64, delayMs: UInt64, jitterMs: UInt64, reason: String) -> Baton_V1_Event {
        event(run) {
            $0.taskRetryScheduled = .with {
                $0.task = task; $0.attempt = attempt; $0.notBeforeUs = notBefore
                $0.delayMs = delayMs; $0.jitterMs = jitterMs; $0.reason = reason
            }
        }
    }

    static func runFinished(_ run: String, _ outcome: Baton_V1_RunOutcome, reason: String) -> Baton_V1_Event {
        event(run) { $0.runFinished = .with { $0.outcome = outcome; $0.reason = reason } }
    }

    static func taskCancelRequested(_ run: String, _ task: String, attempt: UInt32, reason: String) -> Baton_V1_Event {
        event(run) { $0.taskCancelRequested = .with { $0.task = task; $0.attempt = attempt; $0.reason = reason } }
    }

    static func taskCancelled(_ run: String, _ task: String, attempt: UInt32, reason: String) -> Baton_V1_Event {
        event(run) { $0.taskCancelled = .with { $0.task = task; $0.attempt = attempt; $0.reason = reason } }
    }

    /// An operator's request to cancel a run.
    public static func runCancelRequested(_ run: String, reason: String, actor: String) -> Baton_V1_Event {
        event(run, actor: actor) { $0.runCancelRequested = .with { $0.reason = reason } }
    }

    /// An operator's reset of `tasks` (`task` and its downstream) to pending.
    public static func tasksCleared(_ run: String, task: String, tasks: [String], mode: Baton_V1_ClearMode, reason: String, actor: String) -> Baton_V1_Event {
        event(run, actor: actor) { $0.tasksCleared = .with { $0.task = task; $0.tasks = tasks; $0.mode = mode; $0.reason = reason } }
    }

    /// One delivery attempt of the alert raised at `alertSeq`.
    public static func alertDelivery(_ run: String, alertSeq: UInt64, target: String, attempt: UInt32, delivered: Bool, final: Bool,
                                     alertDone: Bool, detail: String, nextAttempt: Int64?, actor: String) -> Baton_V1_Event {
        event(run, actor: actor) {
            $0.alertDelivery = .with {
                $0.alertSeq = alertSeq; $0.target = target; $0.attempt = attempt; $0.delivered = delivered; $0.final = final
                $0.alertDone = alertDone; $0.detail = detail; $0.nextAttemptUs = nextAttempt ?? 0
            }
        }
    }

    static func timedOut(_ run: String, _ task: String, attempt: UInt32, timeoutMs: UInt64) -> Baton_V1_Event {
        event(run) { $0.taskTimedOut = .with { $0.task = task; $0.attempt = attempt; $0.timeoutMs = timeoutMs } }
    }

    public static func taskFailed(_ run: String, _ task: String, attempt: UInt32, errorClass: Baton_V1_ErrorClass, message: String, retryable: Bool) -> Baton_V1_Event {
        event(run) {
            $0.taskFailed = .with { $0.task = task; $0.attempt = attempt; $0.errorClass = errorClass; $0.message = message; $0.retryable = retryable }
        }
    }

    public static func taskSucceeded(_ run: String, _ task: String, attempt: UInt32, outputJSON: String) -> Baton_V1_Event {
        event(run) { $0.taskSucceeded = .with { $0.task = task; $0.attempt = attempt; $0.outputJson = outputJSON } }
    }

    public static func taskDispatched(_ run: String, _ task: String, attempt: UInt32, connection: String, platformRunID: String) -> Baton_V1_Event {
        event(run) { $0.taskDispatched = .with { $0.task = task; $0.attempt = attempt; $0.connection = connection; $0.platformRunID = platformRunID } }
    }

    static func taskClaimed(_ run: String, _ task: String, attempt: UInt32, connection: String, dispatcher: String, key: String, leaseDeadline: Int64) -> Baton_V1_Event {
        event(run) {
            $0.taskClaimed = .with {
                $0.task = task; $0.attempt = attempt; $0.connection = connection
                $0.dispatcherID = dispatcher; $0.idempotencyKey = key; $0.leaseDeadlineUs = leaseDeadline
            }
        }
    }

    public static func platformObserved(_ run: String, _ task: String, attempt: UInt32, platformRunID: String, state: Baton_V1_PlatformRunState, detail: String) -> Baton_V1_Event {
        event(run) {
            $0.platformObserved = .with { $0.task = task; $0.attempt = attempt; $0.platformRunID = platformRunID; $0.state = state; $0.detail = detail }
        }
    }

    public static func connectionThrottled(_ connection: String, until: Int64, reason: String) -> Baton_V1_Event {
        event("") { $0.connectionThrottled = .with { $0.connection = connection; $0.untilUs = until; $0.reason = reason } }
    }

    public static func workflowRegistered(_ workflow: String, hash: [UInt8], definition: String, sourcePath: String, actor: String) -> Baton_V1_Event {
        event("", actor: actor) {
            $0.workflowRegistered = .with {
                $0.workflow = workflow; $0.contentHash = .init(hash); $0.definition = definition; $0.sourcePath = sourcePath
            }
        }
    }

    public static func connectionsRegistered(hash: [UInt8], definition: String, sourcePath: String, actor: String) -> Baton_V1_Event {
        event("", actor: actor) {
            $0.connectionsRegistered = .with { $0.contentHash = .init(hash); $0.definition = definition; $0.sourcePath = sourcePath }
        }
    }

    public static func runCreated(_ run: String, workflow: String, hash: [UInt8], params: [String: String], logicalDate: Int64,
                                  intervalEnd: Int64? = nil, trigger: Baton_V1_Trigger, actor: String) -> Baton_V1_Event {
        event(run, actor: actor) {
            $0.runCreated = .with {
                $0.workflow = workflow; $0.workflowHash = .init(hash); $0.params = params
                $0.logicalDateUs = logicalDate; $0.intervalEndUs = intervalEnd ?? logicalDate; $0.trigger = trigger
            }
        }
    }

    /// A schedule's fire for one data interval; appended with the `RunCreated` it names.
    public static func scheduleFired(_ workflow: String, logicalDate: Int64, intervalEnd: Int64, run: String, actor: String) -> Baton_V1_Event {
        event(run, actor: actor) {
            $0.scheduleFired = .with {
                $0.workflow = workflow; $0.logicalDateUs = logicalDate; $0.intervalEndUs = intervalEnd; $0.createdRunID = run
            }
        }
    }

    private static func condition(_ condition: EdgeCondition) -> Baton_V1_EdgeCondition {
        switch condition {
        case .success: return .success
        case .failure: return .failure
        case .completion: return .completion
        case .skipped: return .skipped
        }
    }
}
