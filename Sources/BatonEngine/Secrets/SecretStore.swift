import BatonState
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// A place secret values are read from at dispatch: Vault, AWS Secrets Manager, Azure Key Vault.
///
/// Implementations never put a value, a token or a key into an error message or a label.
public protocol SecretStore: Sendable {
    /// Names the store for messages: provider and address, never a credential.
    var label: String { get }
    /// The value of secret `name`, or nil when this store does not hold it.
    /// - Throws: `SecretStoreError` when the store cannot be asked (refused credentials, unreachable).
    func value(of name: String) async throws(SecretStoreError) -> String?
}

/// Why a store could not answer; the message names the store and the secret, never a value.
public struct SecretStoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Credentials refused (HTTP 401/403, expired token).
        case auth
        /// Not reachable, timed out, or a 5xx/429: worth trying again later.
        case unreachable
        /// An answer this store cannot read.
        case invalid
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Asks the stores in order for each secret a dispatch needs, and keeps what they answered for
/// a bounded time (`ttl`), so a burst of dispatches makes one request per secret, and a rotated
/// value is picked up within the TTL.
public final class SecretResolver: Sendable {
    /// Why a dispatch cannot have its secrets.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// No store holds it.
        case missing(String, stores: [String])
        /// A store could not be asked.
        case store(String, SecretStoreError)

        public var description: String {
            switch self {
            case .missing(let name, let stores): "secret \(name) is in none of the secret stores (\(stores.joined(separator: ", ")))"
            case .store(let name, let error): "secret \(name): \(error.message)"
            }
        }

        /// Whether trying again later may help (an unreachable store), as opposed to a refusal.
        public var isTransient: Bool {
            if case .store(_, let error) = self { return error.kind == .unreachable }
            return false
        }
    }

    private struct Cached {
        let value: String
        let fetchedAtMicros: Int64
    }

    public let stores: [any SecretStore]
    private let ttlMicros: Int64
    private let clock: any EngineClock
    private let cache = Mutex<[String: Cached]>([:])
    /// Called with every value fetched, before it is used: the redactor learns it.
    private let learn: @Sendable (String) -> Void

    public static let defaultTTL = Duration.seconds(300)

    init(stores: [any SecretStore], ttl: Duration, clock: any EngineClock, learn: @escaping @Sendable (String) -> Void) {
        self.stores = stores
        self.ttlMicros = max(0, EngineState.micros(ttl))
        self.clock = clock
        self.learn = learn
    }

    /// The values of `names`, from the cache while fresh, else from the first store that has each.
    public func values(_ names: [String]) async throws(Failure) -> [String: String] {
        var result: [String: String] = [:]
        let now = clock.nowMicros()
        for name in Set(names).sorted() {
            if let cached = cache.withLock({ $0[name] }), now - cached.fetchedAtMicros < ttlMicros {
                result[name] = cached.value
                continue
            }
            var found: String?
            for store in stores {
                do throws(SecretStoreError) {
                    found = try await store.value(of: name)
                } catch {
                    throw .store(name, error)
                }
                if found != nil { break }
            }
            guard let value = found else { throw .missing(name, stores: stores.map(\.label)) }
            learn(value)
            cache.withLock { $0[name] = Cached(value: value, fetchedAtMicros: now) }
            result[name] = value
        }
        return result
    }
}

/// The HTTP the stores speak, over URLSession; every answer is status + body.
struct SecretHTTP: Sendable {
    let timeout: TimeInterval

    struct Answer {
        let status: Int
        let body: Data
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
    }

    func send(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil, store: String) async throws(SecretStoreError) -> Answer {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            return Answer(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
        } catch {
            throw SecretStoreError(.unreachable, "\(store) is unreachable (\(url.scheme ?? "")://\(url.host ?? ""):\(url.port.map(String.init) ?? "")): \(error.localizedDescription)")
        }
    }

    /// The error for an answer that is not a success: 401/403 refused credentials, 429 and 5xx
    /// unreachable for now, anything else an answer the store does not expect.
    static func failure(_ answer: Answer, _ store: String, _ what: String) -> SecretStoreError {
        switch answer.status {
        case 401, 403: SecretStoreError(.auth, "\(store) refused the credentials reading \(what) (HTTP \(answer.status))")
        case 429, 500...599: SecretStoreError(.unreachable, "\(store) answered HTTP \(answer.status) reading \(what)")
        default: SecretStoreError(.invalid, "\(store) answered HTTP \(answer.status) reading \(what)")
        }
    }
}
