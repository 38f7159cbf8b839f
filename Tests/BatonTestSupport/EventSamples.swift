public import BatonEvents
import Foundation

/// One filled-in example of every event type, for round-trip and fixture tests.
public enum EventSamples {
    /// How many event types Specs/events.proto defines.
    public static let kindCount = 22

    /// Every event type once, with every field set to a non-default value.
    public static let all: [Baton_V1_Event] = [
        event { $0.workflowRegistered = .with { $0.workflow = "daily_revenue"; $0.contentHash = Data([1, 2, 3]); $0.definition = "name: daily_revenue"; $0.sourcePath = "flows/daily.yaml" } },
        event { $0.runCreated = .with { $0.workflow = "daily_revenue"; $0.workflowHash = Data([9, 9]); $0.params = ["region": "eu"]; $0.logicalDateUs = 1_700_000_000_000_000; $0.intervalEndUs = 1_700_086_400_000_000; $0.trigger = .schedule } },
        event { $0.taskQueued = .with { $0.task = "extract"; $0.attempt = 1 } },
        event { $0.taskExpanded = .with { $0.task = "load"; $0.replicas = [.with { $0.params = ["part": "0"] }, .with { $0.params = ["part": "1"] }] } },
        event { $0.taskClaimed = .with { $0.task = "extract"; $0.attempt = 1; $0.connection = "local"; $0.dispatcherID = "host-1"; $0.idempotencyKey = "r1/extract/1"; $0.leaseDeadlineUs = 1_700_000_060_000_000 } },
        event { $0.taskDispatched = .with { $0.task = "extract"; $0.attempt = 1; $0.connection = "local"; $0.platformRunID = "proc-77" } },
        event { $0.taskSucceeded = .with { $0.task = "extract"; $0.attempt = 1; $0.outputJson = "{\"rows\":3}" } },
        event { $0.taskFailed = .with { $0.task = "load"; $0.attempt = 2; $0.errorClass = .transient; $0.message = "exit 1"; $0.retryable = true } },
        event { $0.taskRetryScheduled = .with { $0.task = "load"; $0.attempt = 3; $0.notBeforeUs = 1_700_000_100_000_000; $0.delayMs = 20_000; $0.jitterMs = 1_234; $0.reason = "transient" } },
        event { $0.taskSkipped = .with { $0.task = "refresh"; $0.upstream = "check"; $0.condition = .success; $0.reason = "check failed" } },
        event { $0.taskTimedOut = .with { $0.task = "load"; $0.attempt = 1; $0.timeoutMs = 1_800_000 } },
        event { $0.taskCancelRequested = .with { $0.task = "load"; $0.attempt = 1; $0.reason = "operator" } },
        event { $0.taskCancelled = .with { $0.task = "load"; $0.attempt = 1; $0.reason = "operator" } },
        event { $0.platformObserved = .with { $0.task = "load"; $0.attempt = 1; $0.platformRunID = "proc-78"; $0.state = .running; $0.detail = "pid 4242" } },
        event { $0.connectionThrottled = .with { $0.connection = "dbx"; $0.untilUs = 1_700_000_200_000_000; $0.reason = "HTTP 429, Retry-After 30" } },
        event { $0.runFinished = .with { $0.outcome = .failed; $0.reason = "leaf check failed" } },
        event { $0.scheduleFired = .with { $0.workflow = "daily_revenue"; $0.logicalDateUs = 1_700_000_000_000_000; $0.intervalEndUs = 1_700_086_400_000_000; $0.createdRunID = "r2" } },
        event { $0.snapshotWritten = .with { $0.seq = 1_000; $0.hash = Data([7, 7, 7]); $0.formatVersion = 1 } },
        event { $0.runsExpired = .with { $0.runIds = ["r0", "r1"]; $0.finishedBeforeUs = 1_690_000_000_000_000 } },
        event { $0.runCancelRequested = .with { $0.reason = "bad upstream data" } },
        event { $0.tasksCleared = .with { $0.task = "load"; $0.tasks = ["load", "check"]; $0.mode = .retry; $0.reason = "fixed credentials" } },
        event { $0.alertDelivery = .with { $0.alertSeq = 42; $0.target = "oncall"; $0.attempt = 2; $0.delivered = false; $0.final = false; $0.alertDone = false; $0.detail = "HTTP 503"; $0.nextAttemptUs = 1_700_000_300_000_000 } },
    ]

    private static func event(_ fill: (inout Baton_V1_Event) -> Void) -> Baton_V1_Event {
        var event = Baton_V1_Event()
        event.runID = "r1"
        event.actor = "cli:test"
        fill(&event)
        return event
    }
}
