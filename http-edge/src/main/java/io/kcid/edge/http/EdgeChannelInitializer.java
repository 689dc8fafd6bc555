package io.kcid.edge.http;

import io.kcid.edge.metrics.EdgeMetrics;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** The per-connection pipeline: idle timeout, HTTP/1.1 codec with size caps, body aggregation, dispatch. */
public final class EdgeChannelInitializer extends ChannelInitializer<SocketChannel> {
  /** Request line cap; a longer one is answered 413 (the table has no 414). */
  public static final int MAX_INITIAL_LINE = 8 * 1024;
  /** Header block cap; a larger one is answered 413 (the table has no 431). */
  public static final int MAX_HEADER_SIZE = 16 * 1024;
  /** An idle keep-alive connection is closed after this long (also bounds slow-loris clients). */
  private static final int IDLE_SECONDS = 60;

  private final Router router;
  private final EdgeMetrics metrics;
  private final Lifecycle lifecycle;
  private final ChannelGroup connections;
  private final int maxBodyBytes;
  private final SslContext https;

  /** @param https the HTTPS context, or null to serve plain HTTP */
  public EdgeChannelInitializer(
      Router router, EdgeMetrics metrics, Lifecycle lifecycle, ChannelGroup connections, int maxBodyBytes, SslContext https) {
    this.https = https;
    this.router = router;
    this.metrics = metrics;
    this.lifecycle = lifecycle;
    this.connections = connections;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void initChannel(SocketChannel channel) {
    connections.add(channel);
    if (https != null) {
      channel.pipeline().addLast("tls", https.newHandler(channel.alloc()));
    }
    channel
        .pipeline()
        .addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
        .addLast(
            "codec",
            new HttpServerCodec(
                new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_INITIAL_LINE)
                    .setMaxHeaderSize(MAX_HEADER_SIZE)
                    .setMaxChunkSize(8192)))
        .addLast("aggregator", new BoundedAggregator(maxBodyBytes))
        .addLast("dispatcher", new RequestDispatcher(router, metrics, lifecycle));
  }
}
