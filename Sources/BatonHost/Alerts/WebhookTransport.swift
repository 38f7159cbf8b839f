public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What a webhook answered.
public enum WebhookAnswer: Sendable, Equatable {
    /// An HTTP status.
    case status(Int)
    /// No answer (connection refused, timeout, DNS); the reason never includes the address.
    case unreachable(String)
}

/// Posts one JSON body to a webhook; injected so alert delivery is tested without a network.
public protocol WebhookTransport: Sendable {
    func post(_ body: [UInt8], to url: URL) async -> WebhookAnswer
}

/// Posts with URLSession, with a timeout per request.
public struct URLSessionWebhookTransport: WebhookTransport {
    let timeout: TimeInterval

    public init(timeout: TimeInterval = 10) { self.timeout = timeout }

    public func post(_ body: [UInt8], to url: URL) async -> WebhookAnswer {
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("baton-alerts", forHTTPHeaderField: "User-Agent")
        do {
            let (_, response) = try await URLSession.shared.upload(for: request, from: Data(body))
            return .status((response as? HTTPURLResponse)?.statusCode ?? 0)
        } catch let error as URLError {
            return .unreachable("URL error \(error.code.rawValue)")
        } catch {
            return .unreachable("transport error")
        }
    }
}
