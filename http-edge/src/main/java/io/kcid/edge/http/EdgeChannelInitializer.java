package io.kcid.edge.http;

import io.kcid.edge.config.ConnectionLimits;
import io.kcid.edge.limit.ConnectionLimiter;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * The per-connection pipeline: connection caps, idle timeout, HTTP/1.1 codec with size caps (and the
 * obs-fold check), head and body deadlines, body aggregation, dispatch.
 */
public final class EdgeChannelInitializer extends ChannelInitializer<SocketChannel> {
  /** Request line cap; a longer one is answered 413 (the table has no 414). */
  public static final int MAX_INITIAL_LINE = 8 * 1024;
  /** Header block cap; a larger one is answered 413 (the table has no 431). */
  public static final int MAX_HEADER_SIZE = 16 * 1024;
  /** An idle keep-alive connection is closed after this long (slow clients are cut by RequestDeadlineHandler). */
  private static final int IDLE_SECONDS = 60;

  private final Router router;
  private final EdgeMetrics metrics;
  private final Lifecycle lifecycle;
  private final ChannelGroup connections;
  private final int maxBodyBytes;
  private final SslContext https;
  private final ConnectionLimiter limiter;
  private final ConnectionLimits limits;

  /**
   * @param https the HTTPS context, or null to serve plain HTTP
   * @param limiter the listener's connection caps
   * @param limits its head and body deadlines
   */
  public EdgeChannelInitializer(
      Router router, EdgeMetrics metrics, Lifecycle lifecycle, ChannelGroup connections, int maxBodyBytes, SslContext https,
      ConnectionLimiter limiter, ConnectionLimits limits) {
    this.https = https;
    this.limiter = limiter;
    this.limits = limits;
    this.router = router;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.connections = connections;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    connections.add(channel);
    ConnectionLimiter.Admission admission = limiter.admit(channel);
    if (https != null) {
      channel.pipeline().addLast("tls", https.newHandler(channel.alloc()));
    }
    if (admission != ConnectionLimiter.Admission.ADMITTED) {
      channel.pipeline().addLast("encoder", new HttpResponseEncoder()).addLast("refusal", refusal(admission));
      return;
    }
    channel
        .pipeline()
        .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
        .addLast(
            "codec",
            new EdgeServerCodec(
                new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_INITIAL_LINE)
                    .setMaxHeaderSize(MAX_HEADER_SIZE)
                    .setMaxChunkSize(8192)))
        .addLast("deadlines", new RequestDeadlineHandler(limits))
        .addLast("aggregator", new BoundedAggregator(maxBodyBytes))
        .addLast("dispatcher", new RequestDispatcher(router, metrics, lifecycle));
  }

  private ConnectionRefusal refusal(ConnectionLimiter.Admission admission) {
    return admission == ConnectionLimiter.Admission.ADDRESS_FULL
        ? new ConnectionRefusal(router.responses(), ErrorReason.ERROR_REASON_RATE_LIMITED,
            "This address holds as many connections to the edge as it may: reuse one, or close some.")
        : new ConnectionRefusal(router.responses(), ErrorReason.ERROR_REASON_TOO_MANY_CONNECTIONS,
            "The edge holds as many connections as it may; try again shortly.");
  }
}
