package io.kcid.edge.http;

import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per connection. Hands each request to the {@link Router}, then writes the answers in request
 * order (HTTP/1.1 pipelining) as their futures complete, adds the headers every response carries,
 * applies keep-alive, and records the request metrics. Everything here runs on the channel's event
 * loop; futures completing elsewhere hop back to it.
 */
final class RequestDispatcher extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);

  /** Stop reading a connection that has this many unanswered requests; resume when they are answered. */
  private static final int MAX_PIPELINED = 16;

  private final Router router;
  private final EdgeMetrics metrics;
  private final Lifecycle lifecycle;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private boolean closing;

  RequestDispatcher(Router router, EdgeMetrics metrics, Lifecycle lifecycle) {
    this.router = router;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
  }

  private record Pending(Route route, long startNanos, boolean keepAlive, HttpVersion version, CompletableFuture<EdgeResponse> response) {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (closing) {
        return; // a close is already decided: later pipelined requests are not served
      }
      if (msg instanceof OversizedRequest oversized) {
        Route route = route(oversized.uri());
        EdgeResponse tooLarge =
            router.responses().rejected(ErrorReason.ERROR_REASON_PAYLOAD_TOO_LARGE, "The request body is larger than this edge accepts.");
        enqueue(ctx, route, !oversized.close(), HttpVersion.HTTP_1_1, CompletableFuture.completedFuture(tooLarge));
      } else if (msg instanceof EarlyRefusal refusal) {
        // Deadline missed or folded header: answered after the requests before it, then closed.
        EdgeResponse refused = router.responses().rejected(refusal.reason(), refusal.message());
        enqueue(ctx, refusal.route(), false, HttpVersion.HTTP_1_1, CompletableFuture.completedFuture(refused));
      } else if (msg instanceof FullHttpRequest request) {
        serve(ctx, request);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
    DecoderResult decoded = request.decoderResult();
    if (decoded.isFailure()) {
      // The connection's framing is unknown after a decoding failure: answer and close.
      enqueue(ctx, Route.OTHER, false, HttpVersion.HTTP_1_1, CompletableFuture.completedFuture(malformed(decoded.cause())));
      return;
    }
    Route route = route(request.uri());
    enqueue(ctx, route, HttpUtil.isKeepAlive(request), request.protocolVersion(), router.dispatch(route, request, ctx.channel().remoteAddress()));
  }

  /** The route of a sender-controlled URI; never throws. */
  private static Route route(String uri) {
    try {
      return Route.of(QueryParams.uri(uri).rawPath());
    } catch (RuntimeException e) {
      return Route.OTHER;
    }
  }

  private EdgeResponse malformed(Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      // Request line (8 KiB) or headers (16 KiB) too long. The table has no 414/431 reason, so it is the
      // table's "too large" answer: 413 PAYLOAD_TOO_LARGE.
      return router.responses().rejected(ErrorReason.ERROR_REASON_PAYLOAD_TOO_LARGE, "The request line or headers are too long.");
    }
    return router.responses().rejected(ErrorReason.ERROR_REASON_MALFORMED_REQUEST, "The request is not valid HTTP/1.1.");
  }

  private void enqueue(ChannelHandlerContext ctx, Route route, boolean keepAlive, HttpVersion version, CompletableFuture<EdgeResponse> response) {
    lifecycle.requestStarted();
    pending.add(new Pending(route, System.nanoTime(), keepAlive, version, response));
    if (pending.size() >= MAX_PIPELINED) {
      ctx.channel().config().setAutoRead(false);
    }
    if (response.isDone()) {
      drain(ctx);
    } else {
      response.whenComplete((r, t) -> onEventLoop(ctx));
    }
  }

  private void onEventLoop(ChannelHandlerContext ctx) {
    if (ctx.executor().inEventLoop()) {
      drain(ctx); // already on this connection's loop: a task hop would only add latency
      return;
    }
    try {
      ctx.executor().execute(() -> drain(ctx));
    } catch (RejectedExecutionException e) {
      // The event loop is gone: close() gave up waiting and nothing can be written any more.
      log.debug("response completed after the event loop stopped");
    }
  }

  /** Writes every answer at the head of the queue that is ready, in request order. */
  private void drain(ChannelHandlerContext ctx) {
    while (!pending.isEmpty() && pending.peek().response().isDone()) {
      Pending next = pending.poll();
      if (closing || !ctx.channel().isActive()) {
        lifecycle.requestFinished();
        continue;
      }
      EdgeResponse response = next.response().exceptionally(t -> {
        log.error("bug: a response future failed", t);
        return router.internalError();
      }).join();
      write(ctx, next, response);
    }
    if (pending.isEmpty() && !closing && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void write(ChannelHandlerContext ctx, Pending request, EdgeResponse response) {
    FullHttpResponse http =
        new DefaultFullHttpResponse(
            request.version().equals(HttpVersion.HTTP_1_0) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(response.status()),
            Unpooled.wrappedBuffer(response.body()));
    HttpHeaders headers = http.headers();
    for (Map.Entry<String, String> header : response.headers().entrySet()) {
      headers.set(header.getKey(), header.getValue());
    }
    if (response.contentType() != null) {
      headers.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
    }
    headers.set(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
    headers.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    headers.set("X-Content-Type-Options", "nosniff");
    // Once shutdown began, ask keep-alive clients to reconnect (to another instance).
    boolean keepAlive = request.keepAlive() && !response.close() && !lifecycle.shuttingDown();
    HttpUtil.setKeepAlive(http, keepAlive);
    metrics.request(request.route(), response.status(), System.nanoTime() - request.startNanos());
    var written = ctx.writeAndFlush(http);
    written.addListener(f -> lifecycle.requestFinished());
    if (!keepAlive) {
      closing = true;
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof IdleStateEvent && pending.isEmpty()) {
      ctx.close(); // an idle keep-alive connection only holds a file descriptor
    } else {
      ctx.fireUserEventTriggered(event);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("connection error, closing: {}", cause.toString());
    ctx.close();
  }
}
