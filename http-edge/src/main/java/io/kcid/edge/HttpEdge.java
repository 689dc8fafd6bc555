package io.kcid.edge;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.kcid.edge.admin.AdminHandler;
import io.kcid.edge.config.AbuseLimits;
import io.kcid.edge.limit.ClickRateLimit;
import io.kcid.edge.limit.LoginRateLimits;
import io.kcid.edge.config.EdgeSecurity;
import io.kcid.edge.config.ListenerConfig;
import io.kcid.edge.limit.ConnectionLimiter;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.edge.limit.InFlightLimiter;
import io.kcid.edge.limit.PostbackRateLimits;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import javax.net.ssl.SSLException;
import io.kcid.edge.click.ClickHandler;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.grpc.BackendChannels;
import io.kcid.edge.grpc.BackendHealth;
import io.kcid.edge.http.EdgeChannelInitializer;
import io.kcid.edge.http.Lifecycle;
import io.kcid.edge.http.OpsHandlers;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.Route;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.http.Router;
import io.kcid.edge.http.Transports;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.edge.postback.BatchPostbackHandler;
import io.kcid.edge.postback.PostbackBackend;
import io.kcid.edge.postback.PostbackHandler;
import io.kcid.edge.spool.ClickSpoolService;
import io.kcid.edge.spool.DegradedClicks;
import io.kcid.edge.spool.ResilienceConfig;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running HTTP edge: a Netty HTTP/1.1 server that translates click redirects and postbacks into
 * gRPC calls to the tracking-server. Stateless; start as many as needed behind a load balancer.
 * Two listeners: the public port ({@code /c}, {@code /postback}, {@code /postbacks}, {@code /healthz},
 * {@code /readyz}) and the admin port ({@code /metrics} and the web view under {@code /admin/}),
 * loopback by default ({@link ListenerConfig}).
 */
public final class HttpEdge implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpEdge.class);

  /** How long close() lets in-flight requests finish before it closes their connections. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration HEALTH_INTERVAL = Duration.ofSeconds(1);
  private static final Duration MAX_HEALTH_DEADLINE = Duration.ofMillis(800);

  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final io.netty.channel.Channel serverChannel;
  private final io.netty.channel.Channel adminChannel;
  private final ChannelGroup connections;
  private final Lifecycle lifecycle;
  private final BackendHealth health;
  private final EdgeMetrics metrics;
  private final ManagedChannel ownedChannel;
  private final ClickSpoolService spool;
  private final Duration drainDelay;
  private final int port;
  private final int adminPort;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HttpEdge(
      EventLoopGroup acceptors,
      EventLoopGroup workers,
      io.netty.channel.Channel serverChannel,
      io.netty.channel.Channel adminChannel,
      ChannelGroup connections,
      Lifecycle lifecycle,
      BackendHealth health,
      EdgeMetrics metrics,
      ManagedChannel ownedChannel,
      ClickSpoolService spool,
      Duration drainDelay) {
    this.acceptors = acceptors;
    this.workers = workers;
    this.serverChannel = serverChannel;
    this.adminChannel = adminChannel;
    this.connections = connections;
    this.lifecycle = lifecycle;
    this.health = health;
    this.metrics = metrics;
    this.ownedChannel = ownedChannel;
    this.spool = spool;
    this.drainDelay = drainDelay;
    this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    this.adminPort = ((InetSocketAddress) adminChannel.localAddress()).getPort();
  }

  /** Starts an edge with its own gRPC channel to {@code config.grpcTarget()}, closed by {@link #close()}. */
  public static HttpEdge start(EdgeConfig config) {
    return start(config, ResilienceConfig.none());
  }

  /** As {@link #start(EdgeConfig)}, with a drain delay and, when configured, a click spool. */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience) {
    return start(config, resilience, ListenerConfig.defaults(), AbuseLimits.off());
  }

  /** As {@link #start(EdgeConfig, ResilienceConfig)}, with this admin listener and these connection limits. */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience, ListenerConfig listeners) {
    return start(config, resilience, listeners, AbuseLimits.off());
  }

  /** As {@link #start(EdgeConfig, ResilienceConfig)}, with click and sign-in limits ({@code edge} uses {@link AbuseLimits#defaults()}). */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience, AbuseLimits abuse) {
    return start(config, resilience, ListenerConfig.defaults(), abuse);
  }

  /** As {@link #start(EdgeConfig, ResilienceConfig)}, with an admin listener, connection limits, click and sign-in limits. */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience, ListenerConfig listeners, AbuseLimits abuse) {
    ManagedChannel channel = BackendChannels.create(config.grpcTarget(), config.security());
    try {
      return start(config, resilience, listeners, channel, channel, abuse);
    } catch (RuntimeException e) {
      channel.shutdownNow();
      throw e;
    }
  }

  /** Starts an edge that calls the backend over {@code channel}; the caller keeps ownership of it. */
  public static HttpEdge start(EdgeConfig config, ManagedChannel channel) {
    return start(config, ResilienceConfig.none(), ListenerConfig.defaults(), channel, null, AbuseLimits.off());
  }

  /** As {@link #start(EdgeConfig, ManagedChannel)}, with a drain delay and, when configured, a click spool. */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience, ManagedChannel channel) {
    return start(config, resilience, ListenerConfig.defaults(), channel, null, AbuseLimits.off());
  }

  /** As {@link #start(EdgeConfig, ResilienceConfig, ManagedChannel)}, with this admin listener and these connection limits. */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience, ListenerConfig listeners, ManagedChannel channel) {
    return start(config, resilience, listeners, channel, null, AbuseLimits.off());
  }

  /** As {@link #start(EdgeConfig, ResilienceConfig, ManagedChannel)}, with click and sign-in limits. */
  public static HttpEdge start(EdgeConfig config, ResilienceConfig resilience, ManagedChannel channel, AbuseLimits abuse) {
    return start(config, resilience, ListenerConfig.defaults(), channel, null, abuse);
  }

  private static HttpEdge start(
      EdgeConfig config, ResilienceConfig resilience, ListenerConfig listeners, ManagedChannel channel, ManagedChannel owned,
      AbuseLimits abuse) {
    EdgeMetrics metrics = new EdgeMetrics();
    EdgeSecurity security = config.security();
    InFlightLimiter inFlight = new InFlightLimiter(security.maxInFlight());
    Channel backend = backend(channel, security.apiKey(), inFlight);
    // The spool's replayer and secret refresh call the server too: with the edge's API key.
    ClickSpoolService spool =
        resilience.spool().map(s -> ClickSpoolService.start(s, backend, metrics.registry(), config.callDeadline())).orElse(null);
    DegradedClicks degraded = spool == null ? null : spool.degraded();
    Lifecycle lifecycle = new Lifecycle();
    Responses responses = new Responses(config.retryAfterSeconds());
    Duration healthDeadline =
        config.callDeadline().compareTo(MAX_HEALTH_DEADLINE) < 0 ? config.callDeadline() : MAX_HEALTH_DEADLINE;
    BackendHealth health = new BackendHealth(backend, HEALTH_INTERVAL, healthDeadline);
    PostbackRateLimits limits =
        new PostbackRateLimits(security.ratePerIp(), security.ratePerAccount(), security.burstSeconds(), System::nanoTime);

    Map<Route, RouteHandler> handlers = new EnumMap<>(Route.class);
    ClientIpResolver clientIps = new ClientIpResolver(config.trustedProxies());
    handlers.put(Route.CLICK, new ClickRateLimit(abuse, clientIps, System::nanoTime).wrap(
        new ClickHandler(ClickServiceGrpc.newStub(backend), config.callDeadline(), responses, metrics, degraded)));
    ConversionServiceGrpc.ConversionServiceStub conversions = ConversionServiceGrpc.newStub(backend);
    PostbackBackend postbacks =
        new PostbackBackend(conversions, config.callDeadline(), responses, metrics, clientIps, limits);
    handlers.put(Route.POSTBACK, new PostbackHandler(postbacks, security.maxInFlight()));
    handlers.put(
        Route.POSTBACKS, new BatchPostbackHandler(postbacks));
    handlers.put(Route.HEALTHZ, OpsHandlers.healthz());
    // With a spool the edge stays ready while the backend is away: it still answers clicks.
    handlers.put(
        Route.READYZ,
        OpsHandlers.readyz(lifecycle, () -> health.serving() || (degraded != null && degraded.ready()), responses));
    // /metrics and the web view are served on the admin listener only, never on the public port.
    Map<Route, RouteHandler> adminHandlers = new EnumMap<>(Route.class);
    adminHandlers.put(Route.METRICS, OpsHandlers.metrics(metrics));
    if (security.adminKey() != null) {
      // The view's read calls carry the human's admin key, not the edge's own key.
      adminHandlers.put(Route.ADMIN, new AdminHandler(
          security.adminKey(), backend(channel, security.adminKey(), inFlight), config.callDeadline(), security.https(),
          new LoginRateLimits(abuse.loginFailuresPerMinute(), System::nanoTime), clientIps));
    }
    Router router = new Router(handlers, responses);
    Router adminRouter = new Router(adminHandlers, responses);
    var connectionLimits = listeners.connections();

    EventLoopGroup acceptors = Transports.eventLoops(1);
    EventLoopGroup workers = Transports.eventLoops(config.workerThreads());
    ChannelGroup connections = new DefaultChannelGroup("kcid-edge-connections", GlobalEventExecutor.INSTANCE);
    io.netty.channel.Channel serverChannel = null;
    String listening = config.bindHost() + ":" + config.port();
    try {
      SslContext https = httpsContext(security);
      ConnectionLimiter publicLimiter = new ConnectionLimiter(
          connectionLimits.maxPerAddress(), connectionLimits.maxConnections(), config.trustedProxies(), metrics.registry(), "public");
      serverChannel = listen(acceptors, workers, config.bindHost(), config.port(),
          new EdgeChannelInitializer(router, metrics, lifecycle, connections, config.maxBodyBytes(), https, publicLimiter, connectionLimits));
      listening = listeners.admin().bindHost() + ":" + listeners.admin().port() + " (admin listener)";
      // The admin listener has caps of its own: a flood of the public port cannot lock operators out.
      ConnectionLimiter adminLimiter = new ConnectionLimiter(
          connectionLimits.maxPerAddress(), connectionLimits.maxConnections(), config.trustedProxies(), metrics.registry(), "admin");
      io.netty.channel.Channel adminChannel = listen(acceptors, workers, listeners.admin().bindHost(), listeners.admin().port(),
          new EdgeChannelInitializer(adminRouter, metrics, lifecycle, connections, config.maxBodyBytes(), https, adminLimiter, connectionLimits));
      health.start();
      return new HttpEdge(acceptors, workers, serverChannel, adminChannel, connections, lifecycle, health, metrics, owned, spool,
          resilience.drainDelay());
    } catch (RuntimeException e) {
      if (serverChannel != null) {
        serverChannel.close().awaitUninterruptibly();
      }
      health.close();
      if (spool != null) {
        spool.close();
      }
      acceptors.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      metrics.close();
      throw new IllegalStateException("cannot listen on " + listening + ": " + e.getMessage(), e);
    }
  }

  private static io.netty.channel.Channel listen(
      EventLoopGroup acceptors, EventLoopGroup workers, String host, int port, EdgeChannelInitializer initializer) {
    return new ServerBootstrap()
        .group(acceptors, workers)
        .channel(Transports.serverChannel())
        .option(ChannelOption.SO_BACKLOG, 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(initializer)
        .bind(host, port)
        .syncUninterruptibly()
        .channel();
  }

  /**
   * The channel as the handlers use it: every call carries the edge's API key (when it has one) and
   * counts against the in-flight bound.
   */
  private static Channel backend(ManagedChannel channel, String apiKey, InFlightLimiter inFlight) {
    // ClientInterceptors.intercept runs the last interceptor first: the bound is checked before the key is attached.
    return apiKey == null
        ? ClientInterceptors.intercept(channel, inFlight)
        : ClientInterceptors.intercept(channel, BackendAuth.bearer(apiKey), inFlight);
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
   * are closed. Idempotent. Blocks, so never call it from an event loop.
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
    serverChannel.close().awaitUninterruptibly();
    adminChannel.close().awaitUninterruptibly();
    if (!lifecycle.awaitIdle(DRAIN_TIMEOUT)) {
      log.warn("{} request(s) still unanswered after {} s; closing their connections", lifecycle.inFlight(), DRAIN_TIMEOUT.toSeconds());
    }
    connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    if (spool != null) {
      spool.close();
    }
    health.close();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    if (ownedChannel != null) {
      ownedChannel.shutdown();
      try {
        if (!ownedChannel.awaitTermination(2, TimeUnit.SECONDS)) {
          ownedChannel.shutdownNow();
        }
      } catch (InterruptedException e) {
        ownedChannel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    metrics.close();
    log.info("kcid http-edge on port {} stopped", port);
  }
}
