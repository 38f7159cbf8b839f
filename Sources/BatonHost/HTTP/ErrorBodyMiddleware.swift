import Hummingbird
import Logging

/// Gives every refusal the API's error shape, `{"error": {"message": "..."}}`: the framework's
/// own refusals (no such route or method, a body over the limit) carry no message, and an
/// error that is not an HTTP error would be an empty 500.
struct ErrorBodyMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: HostRequestContext, next: (Request, HostRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.body == nil {
            throw HTTPError(error.status, headers: error.headers, message: Self.message(for: error.status, request))
        } catch let error as HTTPError {
            throw error
        } catch let error as any HTTPResponseError {
            // The framework's typed refusals (a body over the limit is NIO's too-many-bytes error).
            throw HTTPError(error.status, message: Self.message(for: error.status, request))
        } catch {
            // Its text may quote what the request sent; the log gets the type, the client nothing more.
            context.logger.error("request failed", metadata: ["route": "\(request.method) \(request.uri.path)", "error": "\(type(of: error))"])
            throw HTTPError(.internalServerError, message: "internal error; the host's log names it")
        }
    }

    /// What a bare status means for this API.
    static func message(for status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound:
            return "no route \(request.method) \(String(request.uri.path.prefix(200))) (the routes are in Specs/http-api.yaml)"
        case .methodNotAllowed:
            return "\(request.method) is not allowed on \(String(request.uri.path.prefix(200)))"
        case .contentTooLarge:
            return "the request body is larger than \(HostAPI.requestBytesMax) bytes"
        default:
            return status.reasonPhrase
        }
    }
}
