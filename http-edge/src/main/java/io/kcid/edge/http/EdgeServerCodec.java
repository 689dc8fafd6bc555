package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpExpectationFailedEvent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The edge's HTTP/1.1 server codec: Netty's request decoder and response encoder, as in
 * {@code HttpServerCodec}, with what the edge needs from the raw bytes that the decoder does not
 * expose:
 * <ul>
 *   <li>a request head with an obs-fold line is refused ({@link RequestHeadScanner}): the decoder
 *       would fold it silently;
 *   <li>the first byte of each request head is announced ({@link RequestHeadStarted}), so
 *       {@link RequestDeadlineHandler} can time the whole head from its start.
 * </ul>
 * As {@code HttpServerCodec}: a response to HEAD has no body, and a request with both
 * {@code Transfer-Encoding} and {@code Content-Length} is read by the former and its connection is
 * closed after the answer (RFC 9112 §6.1).
 */
final class EdgeServerCodec extends CombinedChannelDuplexHandler<EdgeServerCodec.Decoder, EdgeServerCodec.Encoder> {
  private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>();

  EdgeServerCodec(HttpDecoderConfig config) {
    init(new Decoder(config, methods), new Encoder(methods));
  }

  static final class Decoder extends HttpRequestDecoder {
    private enum Phase { AWAITING, HEAD, REST, REFUSED }

    private final ArrayDeque<HttpMethod> methods;
    private final RequestHeadScanner scanner = new RequestHeadScanner();
    private Phase phase = Phase.AWAITING;
    /** Bytes from the reader index on that the scanner has already seen. */
    private int scanned;

    Decoder(HttpDecoderConfig config, ArrayDeque<HttpMethod> methods) {
      super(config);
      this.methods = methods;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
      if (phase == Phase.REFUSED) {
        buffer.skipBytes(buffer.readableBytes());
        return;
      }
      if (phase == Phase.AWAITING && buffer.isReadable()) {
        phase = Phase.HEAD;
        scanned = 0;
        scanner.reset();
        ctx.fireUserEventTriggered(RequestHeadStarted.INSTANCE);
      }
      if (phase == Phase.HEAD) {
        int from = buffer.readerIndex() + scanned;
        int length = buffer.writerIndex() - from;
        int stop = length > 0 ? buffer.forEachByte(from, length, scanner) : -1;
        if (stop >= 0 && scanner.obsFold()) {
          phase = Phase.REFUSED;
          buffer.skipBytes(buffer.readableBytes());
          out.add(new EarlyRefusal(null, ErrorReason.ERROR_REASON_MALFORMED_REQUEST,
              "A header line starts with a space or tab (obsolete line folding, RFC 9112 section 5.2): send each field on one line."));
          return;
        }
        if (stop >= 0) {
          phase = Phase.REST; // the head is complete in the buffer: the decoder reads it now
        }
      }
      int before = out.size();
      super.decode(ctx, buffer, out);
      // The decoder returns after each message's last part, so after a LastHttpContent the reader
      // index is where the next head starts.
      for (int i = before; i < out.size(); i++) {
        Object decoded = out.get(i);
        if (decoded instanceof HttpRequest request) {
          methods.add(request.method());
        }
        if (decoded instanceof HttpMessage message && message.decoderResult().isFailure()
            || decoded instanceof HttpContent content && content.decoderResult().isFailure()) {
          phase = Phase.REFUSED; // the decoder discards the rest of the connection; so does the scanner
        } else if (decoded instanceof LastHttpContent && phase != Phase.REFUSED) {
          phase = Phase.AWAITING;
        }
      }
      if (phase == Phase.HEAD) {
        scanned = buffer.readableBytes();
      }
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      if (phase == Phase.REFUSED) {
        in.skipBytes(in.readableBytes());
        return;
      }
      super.decodeLast(ctx, in, out);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
      if (event instanceof HttpExpectationFailedEvent && phase == Phase.REST) {
        phase = Phase.AWAITING; // the aggregator refused the expectation: the decoder starts over without a last part
      }
      super.userEventTriggered(ctx, event);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
      super.handleTransferEncodingChunkedWithContentLength(message);
      message.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  static final class Encoder extends HttpResponseEncoder {
    private final ArrayDeque<HttpMethod> methods;
    private HttpMethod method;

    Encoder(ArrayDeque<HttpMethod> methods) {
      this.methods = methods;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
      if (msg instanceof HttpResponse response && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
        method = methods.poll(); // answers go out in request order; a 100 Continue answers nothing
      }
      super.write(ctx, msg, promise);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
      return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
  }
}
