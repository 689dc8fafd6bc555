package io.kcid.edge;

import io.grpc.ManagedChannel;
import io.kcid.edge.config.AdminListener;
import io.kcid.edge.config.ConnectionLimits;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.config.EdgeSecurity;
import io.kcid.edge.config.PublicListener;
import io.kcid.edge.grpc.BackendChannels;
import io.kcid.edge.http.EdgeChannelInitializer;
import io.kcid.edge.http.Lifecycle;
import io.kcid.edge.http.Router;
import io.kcid.edge.http.Transports;
import io.kcid.edge.limit.ConnectionLimiter;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.spool.ClickSpoolService;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running HTTP edge: a Netty HTTP/1.1 server that translates click redirects and postbacks into
 * gRPC calls to the tracking-server. Stateless; start as many as needed behind a load balancer.
 * Two listeners: the public port ({@code /c}, {@code /postback}, {@code /postbacks}, {@code /healthz},
 * {@code /readyz}) and the admin port ({@code /metrics} and the web view under {@code /admin/}),
 * loopback by default ({@link AdminListener}). This class is the lifecycle (bind, readiness, drain,
 * close); what a request does is wired by {@link EdgeWiring}.
 */
public final class HttpEdge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEdge.class);

  /** How long close() lets in-flight requests finish before it closes their connections. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);

  private final StartupSteps opened;
  private final Lifecycle lifecycle;
  private final ClickSpoolService spool;
  private final Duration drainDelay;
  private final int port;
  private final int adminPort;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpEdge(
      StartupSteps opened, EdgeWiring wiring, io.netty.channel.Channel serverChannel, io.netty.channel.Channel adminChannel,
      Duration drainDelay) {
    this.opened = opened;
    this.lifecycle = wiring.lifecycle();
    this.spool = wiring.spool();
    this.drainDelay = drainDelay;
    this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    this.adminPort = ((InetSocketAddress) adminChannel.localAddress()).getPort();
  }

  /**
   * Starts an edge with its own gRPC channel to {@code config.backend().grpcTarget()} (TLS and key per
   * {@code config.security()}), closed by {@link #close()}.
   *
   * @throws IllegalStateException {@code cannot <step>: <cause>} when a start-up step fails, after
   *     releasing what the steps before it opened
   */
  public static HttpEdge start(EdgeConfig config) {
    StartupSteps steps = new StartupSteps();
    ManagedChannel channel = steps.open(
        "open a gRPC channel to " + config.backend().grpcTarget(),
        () -> BackendChannels.create(config.backend().grpcTarget(), config.security()),
        HttpEdge::shutdown);
    return start(config, channel, steps);
  }

  /**
   * Starts an edge that calls the backend over {@code channel} (tests, the bench's in-process
   * backend); the caller keeps ownership of the channel and closes it after the edge.
   */
  public static HttpEdge start(EdgeConfig config, ManagedChannel channel) {
    return start(config, channel, new StartupSteps());
  }

  private static HttpEdge start(EdgeConfig config, ManagedChannel channel, StartupSteps steps) {
    PublicListener listen = config.listen();
    AdminListener admin = config.admin();
    EventLoopGroup acceptors = steps.open("start the acceptor event loop", () -> Transports.eventLoops(1), HttpEdge::shutdown);
    EventLoopGroup workers =
        steps.open("start the worker event loops", () -> Transports.eventLoops(listen.workerThreads()), HttpEdge::shutdown);
    EdgeWiring wiring = EdgeWiring.wire(config, channel, steps);
    EdgeMetrics metrics = wiring.metrics();
    Lifecycle lifecycle = wiring.lifecycle();
    ChannelGroup connections = new DefaultChannelGroup("kcid-edge-connections", GlobalEventExecutor.INSTANCE);
    steps.onClose("close the open connections", () -> connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS));
    steps.onClose("let in-flight requests finish", () -> {
      if (!lifecycle.awaitIdle(DRAIN_TIMEOUT)) {
        log.warn("{} request(s) still unanswered after {} s; closing their connections", lifecycle.inFlight(),
            DRAIN_TIMEOUT.toSeconds());
      }
    });
    ConnectionLimits limits = config.connections();
    String listenPublic = "listen on " + listen.bindHost() + ":" + listen.port();
    SslContext https = steps.call(listenPublic, () -> httpsContext(config.security()));
    io.netty.channel.Channel serverChannel = steps.open(listenPublic, () -> {
      ConnectionLimiter limiter = new ConnectionLimiter(
          limits.maxPerAddress(), limits.maxConnections(), listen.trustedProxies(), metrics.registry(), "public");
      return bind(acceptors, workers, listen.bindHost(), listen.port(), wiring.publicRouter(), metrics, lifecycle, connections,
          listen.maxBodyBytes(), https, limiter, limits);
    }, HttpEdge::close);
    // The admin listener has caps of its own: a flood of the public port cannot lock operators out.
    io.netty.channel.Channel adminChannel =
        steps.open("listen on " + admin.bindHost() + ":" + admin.port() + " (admin listener)", () -> {
          ConnectionLimiter limiter = new ConnectionLimiter(
              limits.maxPerAddress(), limits.maxConnections(), listen.trustedProxies(), metrics.registry(), "admin");
          return bind(acceptors, workers, admin.bindHost(), admin.port(), wiring.adminRouter(), metrics, lifecycle, connections,
              listen.maxBodyBytes(), https, limiter, limits);
        }, HttpEdge::close);
    steps.run("start the backend health checks", wiring.health()::start);
    return new HttpEdge(steps, wiring, serverChannel, adminChannel, config.resilience().drainDelay());
  }

  private static io.netty.channel.Channel bind(
      EventLoopGroup acceptors, EventLoopGroup workers, String host, int port, Router router, EdgeMetrics metrics,
      Lifecycle lifecycle, ChannelGroup connections, int maxBodyBytes, SslContext https, ConnectionLimiter limiter,
      ConnectionLimits limits) {
    return new ServerBootstrap()
        .group(acceptors, workers)
        .channel(Transports.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new EdgeChannelInitializer(router, metrics, lifecycle, connections, maxBodyBytes, https, limiter, limits))
        .bind(host, port)
        .syncUninterruptibly()
        .channel();
  }

  private static SslContext httpsContext(EdgeSecurity security) {
    if (!security.https()) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(security.httpsCert().toFile(), security.httpsKey().toFile()).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "KCID_EDGE_TLS_CERT/KCID_EDGE_TLS_KEY: cannot serve HTTPS with " + security.httpsCert() + ": " + e.getMessage(), e);
    }
  }

  private static void close(io.netty.channel.Channel listener) {
    listener.close().awaitUninterruptibly();
  }

  private static void shutdown(EventLoopGroup loops) {
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  private static void shutdown(ManagedChannel channel) {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** The click spool, or null when the edge runs without one. */
  public ClickSpoolService clickSpool() {
    return spool;
  }

  /** The public port the edge listens on (the real one when started with port 0). */
  public int port() {
    return port;
  }

  /** The admin port: {@code /metrics} and the web view (the real one when started with port 0). */
  public int adminPort() {
    return adminPort;
  }

  /**
   * Graceful stop: {@code /readyz} answers 503 SHUTTING_DOWN while requests are still served for
   * the drain delay (so load balancers move away first), then no new connections, in-flight requests
   * get up to 5 s to finish, then the click spool, connections, event loops and the owned gRPC channel
   * are closed: everything start-up opened, in reverse. Idempotent. Blocks, so never call it from an
   * event loop.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    lifecycle.beginShutdown();
    if (!drainDelay.isZero()) {
      try {
        Thread.sleep(drainDelay.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    opened.close();
    log.info("kcid http-edge on port {} stopped", port);
  }
}
