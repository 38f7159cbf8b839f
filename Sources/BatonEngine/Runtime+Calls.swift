import BatonEvents
import BatonPlatforms
import BatonState

extension Runtime {
    /// The most status polls of one attempt (at `pollMax` apart this is far longer than any job).
    static let pollsMax = 10_000_000

    /// Submits a claimed attempt and posts what happened: dispatched, throttled (the claim is
    /// released), or failed with its error class. With `lookUpFirst` (a claim left by a crash) the
    /// platform is asked for the key's run first, and that run is adopted if it has one.
    func submit(_ work: Attempt, inbox: Inbox, lookUpFirst: Bool = false) async {
        guard let (platform, request) = await rendered(work, inbox: inbox) else { return }
        await waitOutThrottle(work.connection)
        if lookUpFirst {
            do {
                // `pending` means the platform holds the key but never started the work (e.g. the
                // crash hit mid-spawn): submitting again with the same key resolves it.
                if let found = try await call(platform, { try await $0.lookUp(request) }), Self.adoptable(found, platform) {
                    return inbox.post(adopted(work, found, detail: "claimed before the crash; found by key"))
                }
            } catch {
                return inbox.post([failed(work, .transient, "look up \(work.key): \(error)", retryable: true)])
            }
        }
        var delay = Duration.seconds(1)
        for round in 0...Self.resubmitsMax {
            do {
                let id = try await call(platform) { try await $0.submit(request) }
                return inbox.post([EventFactory.taskDispatched(work.runID, work.task, attempt: work.attempt, connection: work.connection,
                                                           platformRunID: id.rawValue)])
            } catch .transient where platform.capabilities.deduplicatesByKey && round < Self.resubmitsMax {
                // The answer may be lost after the platform started the run: the same key again
                // returns that run, where a new attempt (a new key) would start a second one.
                try? await clock.sleep(untilMicros: clock.nowMicros() + EngineState.micros(delay))
                delay = delay * 2
            } catch {
                return inbox.post(await afterSubmitError(work, platform, request, error))
            }
        }
    }

    /// The attempt's platform and its request with every template rendered and the secrets it
    /// names fetched; nil once a failure was posted instead.
    private func rendered(_ work: Attempt, inbox: Inbox) async -> (any Platform, SubmitRequest)? {
        switch (work.platform, work.request) {
        case (_, .none):
            preconditionFailure("submit of \(work.key) was planned without rendering its request")
        case (.failure(let error), _):
            inbox.post([failed(work, .invalid, error.description, retryable: false)])
            return nil
        case (.success(let platform), .some(let plan)):
            var fetched: [String: String] = [:]
            if !plan.fetch.isEmpty, let resolver = secretResolver {
                // Fetched now, not when the workflow was read: a rotated value is used from the next dispatch.
                do throws(SecretResolver.Failure) {
                    fetched = try await resolver.values(plan.fetch)
                } catch {
                    inbox.post([failed(work, error.isTransient ? .transient : .auth, "secrets: \(error)", retryable: error.isTransient)])
                    return nil
                }
            }
            switch plan.render(fetched) {
            case .failure(let error):
                inbox.post([failed(work, .invalid, "render: \(error)", retryable: false)])
                return nil
            case .success(let request):
                return (platform, request)
            }
        }
    }

    /// Whether a run found by key is the attempt's run (see `pendingByKeyIsUnstarted`).
    static func adoptable(_ found: PlatformRunStatus, _ platform: any Platform) -> Bool {
        found.state != .pending || !platform.capabilities.pendingByKeyIsUnstarted
    }

    /// A run the platform already had for the attempt's key, recorded as its dispatch.
    private func adopted(_ work: Attempt, _ found: PlatformRunStatus, detail: String) -> [Baton_V1_Event] {
        [EventFactory.platformObserved(work.runID, work.task, attempt: work.attempt, platformRunID: found.runID.rawValue,
                                       state: found.state.eventState, detail: detail),
         EventFactory.taskDispatched(work.runID, work.task, attempt: work.attempt, connection: work.connection, platformRunID: found.runID.rawValue)]
    }

    /// How many times a submit to a platform that deduplicates by key is sent again after no answer.
    static let resubmitsMax = 3

    /// A submit failed: a throttle releases the claim; an ambiguous failure is resolved by asking
    /// the platform what it has for the key (the answer may have been lost after it accepted).
    private func afterSubmitError(_ work: Attempt, _ platform: any Platform, _ request: SubmitRequest, _ error: PlatformError) async -> [Baton_V1_Event] {
        switch error {
        case .throttled(let retryAfter, let message):
            let until = clock.nowMicros() + EngineState.micros(retryAfter ?? .seconds(30))
            return [EventFactory.connectionThrottled(work.connection, until: until, reason: message),
                    EventFactory.taskQueued(work.runID, work.task, attempt: work.attempt)]
        case .transient(let message):
            if platform.capabilities.canLookUpByKey,
               let found = try? await call(platform, { try await $0.lookUp(request) }), Self.adoptable(found, platform) {
                return adopted(work, PlatformRunStatus(runID: found.runID, state: .running), detail: "submit answer lost; found by key")
            }
            return [failed(work, .transient, "submit: \(message)", retryable: true)]
        case .auth(let message): return [failed(work, .auth, "submit: \(message)", retryable: false)]
        case .invalid(let message): return [failed(work, .invalid, "submit: \(message)", retryable: false)]
        case .notFound(let message): return [failed(work, .notFound, "submit: \(message)", retryable: false)]
        }
    }

    /// Polls a running attempt with backoff until the platform reports it finished.
    func poll(_ work: Attempt, runID: PlatformRunID, reconciling: Bool, inbox: Inbox) async throws {
        guard case .success(let platform) = work.platform else { return }
        // A remote API's request budget sets the floor; its ceiling is ten floors (or the engine's own).
        let floor = max(options.pollInitial, platform.capabilities.pollFloor ?? .zero)
        let ceiling = max(options.pollMax, (platform.capabilities.pollFloor ?? .zero) * 10)
        var delay = reconciling ? Duration.zero : floor
        var first = reconciling
        for _ in 0..<Self.pollsMax {
            if delay > .zero { try await clock.sleep(untilMicros: clock.nowMicros() + EngineState.micros(delay)) }
            await waitOutThrottle(work.connection)
            delay = min(max(delay * 2, floor), ceiling)
            let status: PlatformRunStatus
            do {
                status = try await call(platform) { try await $0.status(of: runID) }
            } catch .notFound(let message) {
                return inbox.post([failed(work, .lost, "platform has no run \(runID): \(message)", retryable: work.idempotent)])
            } catch .throttled(let retryAfter, let message) {
                // The pause is the connection's: recorded, so every process (and this one after a
                // restart) holds its requests until then, not only this poller.
                let pause = min(retryAfter ?? ceiling, RetryAfter.pauseMax)
                inbox.post([EventFactory.connectionThrottled(work.connection, until: clock.nowMicros() + EngineState.micros(pause), reason: message)])
                delay = max(delay, pause)
                continue
            } catch {
                continue  // transient trouble asking: ask again later
            }
            var events: [Baton_V1_Event] = []
            if first {
                events.append(EventFactory.platformObserved(work.runID, work.task, attempt: work.attempt, platformRunID: runID.rawValue,
                                                            state: status.state.eventState, detail: "reconciled at start-up"))
                first = false
            }
            if let outcome = outcomeEvent(work, status) { events.append(outcome) }
            if !events.isEmpty { inbox.post(events) }
            if status.isTerminal { return }
        }
    }

    /// After a crash between claim and dispatch: find the submission by key, or submit again
    /// when that is safe (same key, so an idempotent platform cannot start it twice).
    func reconcileClaim(_ work: Attempt, inbox: Inbox) async {
        guard case .success(let platform) = work.platform else { return await submit(work, inbox: inbox) }
        if platform.capabilities.deduplicatesByKey { return await submit(work, inbox: inbox) }
        if platform.capabilities.canLookUpByKey { return await submit(work, inbox: inbox, lookUpFirst: true) }
        if work.idempotent { return await submit(work, inbox: inbox) }
        inbox.post([failed(work, .lost, "crashed between claim and dispatch; \(work.connection) cannot look up by key and the task is not idempotent", retryable: false)])
    }

    /// Waits while the log holds a pause for `connection` (a `Retry-After` a platform sent, maybe
    /// to a process that has since died): no request of that connection goes out before it ends.
    func waitOutThrottle(_ connection: String) async {
        for _ in 0..<Self.throttleWaitsMax {
            let until = state.connections[connection]?.throttledUntilMicros ?? 0
            guard until > clock.nowMicros() else { return }
            do { try await clock.sleep(untilMicros: until) } catch { return }
        }
    }

    /// Pauses waited out in a row (each may be extended by a new 429 while waiting).
    static let throttleWaitsMax = 100

    /// Best-effort cancel of a timed-out platform run.
    func cancel(_ work: Attempt, _ runID: PlatformRunID) async {
        guard case .success(let platform) = work.platform, platform.capabilities.canCancel else { return }
        await waitOutThrottle(work.connection)
        _ = try? await call(platform) { try await $0.cancel(runID) }
    }

    private func outcomeEvent(_ work: Attempt, _ status: PlatformRunStatus) -> Baton_V1_Event? {
        switch status.state {
        case .pending, .running: return nil
        case .succeeded(let output):
            return EventFactory.taskSucceeded(work.runID, work.task, attempt: work.attempt, outputJSON: output)
        case .failed(let message):
            return failed(work, .task, message, retryable: true)
        case .cancelled:
            return failed(work, .task, "cancelled on the platform", retryable: false)
        }
    }

    private func failed(_ work: Attempt, _ errorClass: Baton_V1_ErrorClass, _ message: String, retryable: Bool) -> Baton_V1_Event {
        EventFactory.taskFailed(work.runID, work.task, attempt: work.attempt, errorClass: errorClass,
                                message: String(message.prefix(2_000)), retryable: retryable)
    }

    /// Runs one platform call under `options.callTimeout`; running out of time is transient.
    func call<T: Sendable>(_ platform: any Platform, _ body: @escaping @Sendable (any Platform) async throws -> T) async throws(PlatformError) -> T {
        guard let timeout = options.callTimeout else {
            do {
                return try await body(platform)
            } catch let error as PlatformError {
                throw error
            } catch {
                throw .transient(String(describing: error))
            }
        }
        let clock = clock
        let result: Result<T, PlatformError>? = await withTaskGroup(of: Result<T, PlatformError>?.self) { group in
            group.addTask {
                do {
                    return .success(try await body(platform))
                } catch let error as PlatformError {
                    return .failure(error)
                } catch {
                    return .failure(.transient(String(describing: error)))
                }
            }
            group.addTask {
                try? await clock.sleep(untilMicros: clock.nowMicros() + EngineState.micros(timeout))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let result else { throw .transient("no answer within \(timeout)") }
        return try result.get()
    }
}

extension PlatformRunStatus.State {
    /// The event spelling of a platform state.
    var eventState: Baton_V1_PlatformRunState {
        switch self {
        case .pending: return .pending
        case .running: return .running
        case .succeeded: return .succeeded
        case .failed: return .failed
        case .cancelled: return .cancelled
        }
    }
}
