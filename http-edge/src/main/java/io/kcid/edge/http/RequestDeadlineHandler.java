package io.kcid.edge.http;

import io.kcid.edge.config.ConnectionLimits;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpExpectationFailedEvent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One per connection, between the codec and the aggregator: the slow-loris defence. A request head
 * must be complete within {@link ConnectionLimits#headTimeout()} of its first byte, and its body
 * within {@link ConnectionLimits#bodyTimeout()} of the head; the idle timeout alone never fires
 * while a client trickles a byte now and then. Past a deadline the request is answered 408
 * REQUEST_TIMEOUT (through the dispatcher, after the answers it owes before it) and the connection
 * is closed; what else arrives is dropped. Time the edge itself stops reading (too many pipelined
 * requests unanswered) is not held against the client. Everything runs on the channel's event loop.
 */
final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
  private enum Phase { IDLE, HEAD, BODY, TIMED_OUT }

  private final long headNanos;
  private final long bodyNanos;
  private Phase phase = Phase.IDLE;
  private ScheduledFuture<?> timer;
  private String uri;

  RequestDeadlineHandler(ConnectionLimits limits) {
    this.headNanos = limits.headTimeout().toNanos();
    this.bodyNanos = limits.bodyTimeout().toNanos();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == RequestHeadStarted.INSTANCE) {
      if (phase == Phase.IDLE) {
        phase = Phase.HEAD;
        uri = null;
        arm(ctx, headNanos);
      }
      return;
    }
    if (event instanceof HttpExpectationFailedEvent && phase == Phase.BODY) {
      cancel(); // answered 417 by the aggregator: no body follows
      phase = Phase.IDLE;
    }
    super.userEventTriggered(ctx, event);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (phase == Phase.TIMED_OUT) {
      ReferenceCountUtil.release(msg); // the 408 is on its way and the connection closes after it
      return;
    }
    if (msg instanceof HttpRequest request && !(msg instanceof LastHttpContent)) {
      cancel();
      if (request.decoderResult().isSuccess() && hasBody(request)) {
        phase = Phase.BODY;
        uri = request.uri();
        arm(ctx, bodyNanos);
      } else {
        phase = Phase.IDLE; // the empty last part follows at once, or the dispatcher answers 400 and closes
      }
    } else if (msg instanceof LastHttpContent) {
      cancel();
      phase = Phase.IDLE;
    }
    ctx.fireChannelRead(msg);
  }

  private static boolean hasBody(HttpRequest request) {
    try {
      return HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  private void arm(ChannelHandlerContext ctx, long nanos) {
    timer = ctx.executor().schedule(() -> expire(ctx), nanos, TimeUnit.NANOSECONDS);
  }

  private void expire(ChannelHandlerContext ctx) {
    timer = null;
    if (phase != Phase.HEAD && phase != Phase.BODY || !ctx.channel().isActive()) {
      return;
    }
    if (!ctx.channel().config().isAutoRead()) {
      // The dispatcher paused reading (pipelined requests still unanswered): the client cannot be late.
      arm(ctx, phase == Phase.HEAD ? headNanos : bodyNanos);
      return;
    }
    boolean head = phase == Phase.HEAD;
    phase = Phase.TIMED_OUT;
    long seconds = Math.max(1, Duration.ofNanos(head ? headNanos : bodyNanos).toSeconds());
    ctx.fireChannelRead(new EarlyRefusal(head ? null : uri, ErrorReason.ERROR_REASON_REQUEST_TIMEOUT, head
        ? "The request head did not arrive within " + seconds + " s of its first byte."
        : "The request body did not arrive within " + seconds + " s of its head."));
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    cancel();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }
}
