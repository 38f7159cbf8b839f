public import BatonEngine
import BatonEvents
import BatonState
import Foundation
public import Logging
public import ServiceLifecycle

/// How alerts are delivered.
public struct AlertOptions: Sendable {
    /// Attempts per webhook before giving up.
    public var attemptsMax: Int
    /// The wait before the second attempt; it doubles per attempt up to `backoffMax`.
    public var backoffBase: Duration
    public var backoffMax: Duration
    /// How often pending alerts are looked at.
    public var pollInterval: Duration
    /// Deliveries in flight at once.
    public var concurrencyMax: Int
    /// Where the API can be reached, for the link in each message (e.g. `http://127.0.0.1:8080`).
    public var linkBase: String

    /// Defaults: 8 attempts over about 4 minutes (2 s doubling, at most 5 min apart), 4 at once.
    public init(attemptsMax: Int = 8, backoffBase: Duration = .seconds(2), backoffMax: Duration = .seconds(300),
                pollInterval: Duration = .seconds(1), concurrencyMax: Int = 4, linkBase: String = "") {
        self.attemptsMax = attemptsMax
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.pollInterval = pollInterval
        self.concurrencyMax = concurrencyMax
        self.linkBase = linkBase
    }
}

/// Delivers the alerts the log owes (`EngineState.pendingAlerts`: a task's final failure, a
/// failed run) to webhooks, and records every attempt as an `AlertDelivery` event. It runs beside
/// the engine and never inside it: a slow or failing webhook delays only its own alerts.
/// Delivery is at least once: an attempt cut off by a crash before it was recorded is made again.
public final class Alerter: Service, Sendable {
    let runtime: Runtime
    let webhooks: Webhooks
    let transport: any WebhookTransport
    let clock: any EngineClock
    let options: AlertOptions
    let actor: String
    let logger: Logger

    public init(runtime: Runtime, webhooks: Webhooks, transport: any WebhookTransport, clock: any EngineClock,
                options: AlertOptions = AlertOptions(), actor: String = "host", logger: Logger) {
        self.runtime = runtime
        self.webhooks = webhooks
        self.transport = transport
        self.clock = clock
        self.options = options
        self.actor = actor
        self.logger = logger
    }

    /// One delivery to make or its outcome.
    private struct Key: Hashable, Sendable {
        let seq: UInt64
        let target: String
    }

    private struct Delivery: Sendable {
        let key: Key
        let attempt: Int
        let answer: WebhookAnswer
    }

    private enum Step: Sendable {
        case tick
        case delivered(Delivery)
    }

    /// Delivers until cancelled or shut down gracefully (deliveries in flight are dropped and made
    /// again on the next start).
    /// - Throws: `EngineError` when the log cannot be written.
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { [self] in try await deliverPending() }
        } catch is CancellationError {
            return
        }
    }

    private func deliverPending() async throws {
        try await withThrowingTaskGroup(of: Step.self) { group in
            // Attempt numbers and due times come from the projection (`PendingAlert.retries`), which
            // each recorded delivery updates; only a delivery the log refused waits here.
            var unrecordedUntil: [Key: Int64] = [:]
            var inFlight: Set<Key> = []
            group.addTask { [self] in try await tick() }
            while true {
                let state = runtime.state
                let now = clock.nowMicros()
                for (seq, alert) in state.pendingAlerts.sorted(by: { $0.key < $1.key }) {
                    let targets = webhooks.targets(listed: alert.targets)
                    if targets.allSatisfy(alert.finalTargets.contains) {
                        // Nothing left to send (no webhook, or the ones still owed left the
                        // webhooks file): record the alert done so it is not owed forever.
                        let key = Key(seq: seq, target: "")
                        let reason = targets.isEmpty ? "no webhook configured" : "every webhook is final"
                        if inFlight.insert(key).inserted {
                            group.addTask { Step.delivered(Delivery(key: key, attempt: 0, answer: .unreachable(reason))) }
                        }
                        continue
                    }
                    for target in targets where !alert.finalTargets.contains(target) && inFlight.count < options.concurrencyMax {
                        let key = Key(seq: seq, target: target)
                        let recorded = alert.retries[target]
                        guard !inFlight.contains(key), unrecordedUntil[key] ?? recorded?.nextAttemptMicros ?? .min <= now else { continue }
                        inFlight.insert(key)
                        let attempt = Int(recorded?.attempts ?? 0) + 1
                        group.addTask { [self] in .delivered(await deliver(alert, to: key, attempt: attempt)) }
                    }
                }
                guard let step = try await group.next() else { return }
                switch step {
                case .tick:
                    group.addTask { [self] in try await tick() }
                case .delivered(let delivery):
                    inFlight.remove(delivery.key)
                    do {
                        try await record(delivery)
                        unrecordedUntil[delivery.key] = nil
                    } catch {
                        // The log refused the record (full disk, say): the engine reports that
                        // itself; the alert stays owed and is tried again after a backoff.
                        logger.error("alert delivery not recorded", metadata: ["alert": "\(delivery.key.seq)", "error": "\(error)"])
                        unrecordedUntil[delivery.key] = clock.nowMicros() + backoffMicros(after: delivery.attempt)
                    }
                }
            }
        }
    }

    private func tick() async throws -> Step {
        try await clock.sleep(untilMicros: clock.nowMicros() + EngineState.micros(options.pollInterval))
        return .tick
    }

    private func deliver(_ alert: PendingAlert, to key: Key, attempt: Int) async -> Delivery {
        guard let hook = webhooks.hooks[key.target] else {
            return Delivery(key: key, attempt: attempt, answer: .unreachable("no webhook named \(key.target) is configured (--webhooks)"))
        }
        let body = AlertMessage.body(alert, linkBase: options.linkBase)
        return Delivery(key: key, attempt: attempt, answer: await transport.post(body, to: hook.url))
    }

    /// Appends the delivery's event (the projection then holds the attempt and when the next is due).
    private func record(_ delivery: Delivery) async throws(EngineError) {
        let key = delivery.key
        guard let alert = runtime.state.pendingAlerts[key.seq] else { return }
        let delivered: Bool
        let retry: Bool
        let detail: String
        switch delivery.answer {
        case .status(let code) where (200..<300).contains(code):
            (delivered, retry, detail) = (true, false, "HTTP \(code)")
        case .status(let code) where code == 408 || code == 429 || code >= 500:
            (delivered, retry, detail) = (false, true, "HTTP \(code)")
        case .status(let code):
            (delivered, retry, detail) = (false, false, "HTTP \(code), not retried")
        case .unreachable(let reason):
            // A missing or unnamed webhook is not going to appear by retrying.
            let configured = webhooks.hooks[key.target] != nil
            (delivered, retry, detail) = (false, configured, reason)
        }
        let final = !retry || delivery.attempt >= options.attemptsMax
        let next = final ? nil : clock.nowMicros() + backoffMicros(after: delivery.attempt)
        let remaining = key.target.isEmpty ? [] : webhooks.targets(listed: alert.targets).filter { !alert.finalTargets.contains($0) && $0 != key.target }
        let event = EventFactory.alertDelivery(alert.runID, alertSeq: key.seq, target: key.target, attempt: UInt32(delivery.attempt),
                                               delivered: delivered, final: final, alertDone: final && remaining.isEmpty,
                                               detail: detail, nextAttempt: next, actor: actor)
        _ = try await runtime.record(event)
        let metadata: Logger.Metadata = ["alert": "\(key.seq)", "run": "\(alert.runID)", "webhook": "\(key.target)", "detail": "\(detail)"]
        if delivered {
            logger.info("alert delivered", metadata: metadata)
        } else if !key.target.isEmpty {
            logger.warning(final ? "alert delivery given up" : "alert delivery failed; will retry", metadata: metadata)
        }
    }

    /// The wait after attempt `attempt` failed.
    func backoffMicros(after attempt: Int) -> Int64 {
        let base = EngineState.micros(options.backoffBase)
        let cap = EngineState.micros(options.backoffMax)
        return min(cap, base << min(max(attempt - 1, 0), 30))
    }
}

/// The JSON an alert posts: Slack's `text` plus the structured fields.
enum AlertMessage {
    static func body(_ alert: PendingAlert, linkBase: String) -> [UInt8] {
        let link = linkBase.isEmpty ? "" : "\(linkBase)/v1/runs/\(alert.runID)"
        let what: String
        switch alert.kind {
        case .taskFailed:
            what = "task \(alert.task) of \(alert.workflow) failed after \(alert.attempts) attempt\(alert.attempts == 1 ? "" : "s") (run \(alert.runID))"
        case .runFailed:
            what = "run \(alert.runID) of \(alert.workflow) failed"
        }
        var text = "Baton: \(what): \(alert.message)"
        if !alert.owner.isEmpty { text += " (owner \(alert.owner))" }
        if !link.isEmpty { text += " \(link)" }
        let object: [String: Any] = [
            "text": text, "kind": alert.kind.rawValue, "workflow": alert.workflow, "owner": alert.owner, "run_id": alert.runID,
            "task": alert.task, "error": alert.message, "attempts": Int(alert.attempts), "link": link,
            "raised_at": EventDescription.formatTime(alert.raisedAtMicros), "alert_seq": alert.seq,
        ]
        return Array(((try? JSONWriter.string(object)) ?? "{}").utf8)
    }
}
