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
  /** When the current phase must end ({@link System#nanoTime()}); meaningful in HEAD and BODY. */
  private long deadline;
  /**
   * At most one timer per connection, re-armed lazily: a request that ends in time schedules
   * nothing, so a keep-alive connection serving many quick requests costs one timer per deadline
   * period, not one per request.
   */
  private ScheduledFuture<?> timer;
  private long timerAt;
  private String uri;

  RequestDeadlineHandler(ConnectionLimits limits) {
    this.headNanos = limits.headTimeout().toNanos();
    this.bodyNanos = limits.bodyTimeout().toNanos();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event == RequestHeadStarted.INSTANCE) {
      if (phase == Phase.IDLE) {
        uri = null;
        begin(ctx, Phase.HEAD, headNanos);
      }
      return;
    }
    if (event instanceof HttpExpectationFailedEvent && phase == Phase.BODY) {
      phase = Phase.IDLE; // answered 417 by the aggregator: no body follows
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
      if (request.decoderResult().isSuccess() && hasBody(request)) {
        uri = request.uri();
        begin(ctx, Phase.BODY, bodyNanos);
      } else {
        phase = Phase.IDLE; // the empty last part follows at once, or the dispatcher answers 400 and closes
      }
    } else if (msg instanceof LastHttpContent) {
      phase = Phase.IDLE;
    } else if (msg instanceof EarlyRefusal) {
      phase = Phase.TIMED_OUT; // the codec refused the head (obs-fold): answered 400 and closed, nothing more to time
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

  private void begin(ChannelHandlerContext ctx, Phase next, long nanos) {
    phase = next;
    deadline = System.nanoTime() + nanos;
    if (timer != null && timerAt - deadline > 0) {
      cancel(); // the pending timer fires after this deadline (a body's, now timing a head)
    }
    if (timer == null) {
      arm(ctx, nanos);
    }
  }

  private void arm(ChannelHandlerContext ctx, long nanos) {
    timerAt = System.nanoTime() + nanos;
    timer = ctx.executor().schedule(() -> check(ctx), nanos, TimeUnit.NANOSECONDS);
  }

  private void check(ChannelHandlerContext ctx) {
    timer = null;
    if (phase != Phase.HEAD && phase != Phase.BODY || !ctx.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    if (now - deadline < 0) {
      arm(ctx, deadline - now);
      return;
    }
    boolean head = phase == Phase.HEAD;
    if (!ctx.channel().config().isAutoRead()) {
      // The dispatcher paused reading (pipelined requests still unanswered): the client cannot be late.
      begin(ctx, phase, head ? headNanos : bodyNanos);
      return;
    }
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
