import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Answers a request the HTTP parser refused (a request line or headers over the limits, bytes
/// that are not HTTP) with a 400 in the API's error shape, then closes the connection. Without
/// it the server writes an empty 400. A response already under way on the connection is left
/// to finish and the connection just closes.
final class ParseErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// True between a response's head and its end.
    private var responding = false
    private var answered = false

    init() {}

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head: responding = true
        case .end: responding = false
        case .body: break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parse = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        guard !answered else { return }
        answered = true
        guard !responding else { return context.close(promise: nil) }
        let message = Self.message(for: parse)
        var text = ""
        JSONWriter.quote(message, into: &text)
        let body = ByteBuffer(string: #"{"error":{"message":"# + text + "}}")
        var head = HTTPResponse(status: .badRequest)
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.contentLength] = "\(body.readableBytes)"
        head.headerFields[.connection] = "close"
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        // The close runs on the channel's event loop, where the context may be used.
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
    }

    static func message(for error: HTTPParserError) -> String {
        switch error {
        case .headerOverflow: return "the request line or its headers are longer than the server accepts (80 KiB)"
        case .invalidURL: return "the request's URL is malformed"
        default: return "the request is not well-formed HTTP (\(error))"
        }
    }
}
