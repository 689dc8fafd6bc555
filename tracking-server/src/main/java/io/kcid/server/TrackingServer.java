package io.kcid.server;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.kcid.proto.GrpcLimits;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.server.auth.ApiKeys;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.click.ClickVerifierWatch;
import io.kcid.server.config.ListenConfig;
import io.kcid.server.config.MetricsConfig;
import io.kcid.server.config.RedisConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.delivery.DeliveryParts;
import io.kcid.server.delivery.DeliveryWorkers;
import io.kcid.server.delivery.http.HttpDeliverySender;
import io.kcid.server.grpc.TransportNoise;
import io.kcid.server.metrics.MetricsEndpoint;
import io.kcid.server.metrics.ServerMetrics;
import io.kcid.server.postbacklog.PostbackJournal;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisStatsCompactor;
import io.kcid.server.stream.ConversionStreams;
import io.kcid.server.tracing.ServerTracing;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running tracking-server: its lifecycle (start, health, drain, close) around the services
 * {@link ServerComponents} wires to the Redis stores, plus health and reflection. Handlers never
 * block (they compose Lettuce futures), so calls run directly on the transport threads with no
 * hand-off to a second pool.
 */
public final class TrackingServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackingServer.class);
  /**
   * The health service name for liveness: SERVING from start until shutdown, whatever Redis does,
   * so a liveness probe restarts only a stuck or stopping process. "" and the kcid service names
   * are readiness: they follow Redis.
   */
  public static final String LIVENESS = "liveness";
  private static final List<String> SERVICES =
      List.of(
          "",
          ClickServiceGrpc.SERVICE_NAME,
          ConversionServiceGrpc.SERVICE_NAME,
          AdminServiceGrpc.SERVICE_NAME,
          DiagnosticsServiceGrpc.SERVICE_NAME,
          ReportServiceGrpc.SERVICE_NAME,
          DeliveryServiceGrpc.SERVICE_NAME);

  /** The one documented gRPC message limit, shared with the edge ({@link GrpcLimits#MAX_MESSAGE_BYTES}). */
  private static final int MAX_MESSAGE_BYTES = GrpcLimits.MAX_MESSAGE_BYTES;
  private static final int STARTUP_LOAD_SECONDS = 5;
  private static final int STREAM_GROUP_SECONDS = 5;
  private static final int STATS_COMPACT_SECONDS = 60;
  private static final int STATS_COMPACT_FIRST_SECONDS = 5;

  private final ServerConfig config;
  private final RedisConnector redis;
  private final Server server;
  private final HealthStatusManager health;
  private final ScheduledExecutorService monitor;
  private final PostbackJournal journal;
  private final ConversionStreams streams;
  /** Pushes click verifier changes to watching edges; its watches end with the conversion streams. */
  private final ClickVerifierWatch verifierWatch;
  /** Sends deliveries over HTTP; closed once no call can use it. */
  private final HttpDeliverySender deliverySender;
  /** Closed last: flushes the spans of the last calls. */
  private final ServerTracing tracing;
  private final ServerMetrics metrics;
  /** The Prometheus listener; null when KCID_METRICS_PORT=-1. */
  private final MetricsEndpoint metricsEndpoint;
  private volatile boolean closing;
  /** The delivery loop; null when this server runs none. */
  private final DeliveryWorkers deliveryWorkers;
  private final RedisStatsCompactor statsCompactor;

  private TrackingServer(
      ServerConfig config,
      RedisConnector redis,
      Server server,
      HealthStatusManager health,
      ScheduledExecutorService monitor,
      ServerComponents components,
      ServerTracing tracing,
      ServerMetrics metrics,
      MetricsEndpoint metricsEndpoint) {
    this.config = config;
    this.redis = redis;
    this.server = server;
    this.health = health;
    this.monitor = monitor;
    this.journal = components.journal;
    this.streams = components.streams;
    this.verifierWatch = components.verifierWatch;
    this.deliveryWorkers = components.deliveryWorkers;
    this.statsCompactor = components.statsCompactor;
    this.deliverySender = components.deliverySender;
    this.tracing = tracing;
    this.metrics = metrics;
    this.metricsEndpoint = metricsEndpoint;
  }

  /** Starts a server listening on the configured address with Netty, TLS if configured. */
  public static TrackingServer start(ServerConfig config) {
    return start(config, DeliveryParts.DEFAULTS);
  }

  /** {@link #start(ServerConfig)} with other delivery ends (tests: a recording sender, fixed destinations). */
  public static TrackingServer start(ServerConfig config, DeliveryParts parts) {
    TransportNoise.install(); // gRPC's java.util.logging into ours; a non-gRPC client is one line
    ListenConfig listen = config.listen();
    ServerSecurity security = config.security();
    NettyServerBuilder transport =
        NettyServerBuilder.forAddress(new InetSocketAddress(listen.bindHost(), listen.grpcPort()))
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .maxConcurrentCallsPerConnection(security.maxCallsPerConnection());
    return start(config, transport, parts);
  }

  /**
   * Starts a server on {@code transport}: the Netty one of {@link #start(ServerConfig)}, or an
   * in-process one in tests. Each step closes what the earlier ones opened if it fails.
   */
  public static <T extends ServerBuilder<T>> TrackingServer start(ServerConfig config, T transport) {
    return start(config, transport, DeliveryParts.DEFAULTS);
  }

  /** {@link #start(ServerConfig, ServerBuilder)} with other delivery ends (tests: a recording sender). */
  public static <T extends ServerBuilder<T>> TrackingServer start(ServerConfig config, T transport, DeliveryParts parts) {
    StartupSteps steps = new StartupSteps();
    RedisConfig redisConfig = config.redis();
    ServerSecurity security = config.security();
    ServerMetrics metrics = steps.closeOnFailure("the metrics", new ServerMetrics());
    MetricsConfig metricsConfig = config.metrics();
    MetricsEndpoint metricsEndpoint = !metricsConfig.enabled() ? null : steps.run(
        "serve metrics on " + metricsConfig.bindHost() + ":" + metricsConfig.port()
            + " (KCID_METRICS_BIND, KCID_METRICS_PORT; -1 for none)",
        () -> steps.closeOnFailure("the metrics endpoint", MetricsEndpoint.start(metricsConfig, metrics)));
    ServerTracing tracing = steps.run("start tracing", () -> steps.closeOnFailure(
        "tracing", ServerTracing.start(config.tracing())));
    RedisConnector redis = steps.run("connect to Redis at " + redisConfig.redactedUrl(), () -> steps.closeOnFailure(
        "the Redis connection",
        RedisConnector.connect(redisConfig.url(), redisConfig.timeout(), redisConfig.queueSize(),
            tracing.redisTracing(), metrics.redisLatency())));
    ServerComponents components = steps.run("build the services", () -> {
      ServerComponents built = ServerComponents.wire(config, redis, Clock.systemUTC(), metrics, parts);
      steps.closeOnFailure("the conversion streams", built.streams);
      steps.closeOnFailure("the click verifier watch", built.verifierWatch);
      steps.closeOnFailure("the delivery sender", built.deliverySender);
      return built;
    });
    steps.run("watch click verifier changes", components.verifierWatch::start);
    if (components.deliveryWorkers != null) {
      steps.run("start the delivery workers (KCID_DELIVERY_WORKERS)", components.deliveryWorkers::start);
      steps.closeOnFailure("the delivery workers", components.deliveryWorkers);
    }
    steps.run("load the API keys", () ->
        components.apiKeys.reload().toCompletableFuture().get(STARTUP_LOAD_SECONDS, TimeUnit.SECONDS));
    HealthStatusManager health = new HealthStatusManager();
    String address = config.listen().bindHost() + ":" + config.listen().grpcPort();
    Server server = steps.run("listen on " + address, () -> {
      // Handlers never block, so calls run on the transport threads.
      // Tracing's interceptor is added last, so it runs first (see ServerTracing#intercept).
      T builder = tracing.intercept(
          components.register(transport.directExecutor().maxInboundMessageSize(MAX_MESSAGE_BYTES), health));
      if (security.tls()) {
        if (!(builder instanceof NettyServerBuilder netty)) {
          throw new IllegalArgumentException("TLS needs the Netty transport");
        }
        netty.sslContext(TransportSecurity.serverContext(security));
      }
      return builder.build().start();
    });
    steps.closeOnFailure("the gRPC server", server::shutdownNow);
    TrackingServer running = steps.run("schedule health checks and reloads", () -> {
      warnIfOpen(config, server.getPort());
      ScheduledExecutorService monitor = monitorExecutor();
      steps.closeOnFailure("the monitor", monitor::shutdownNow);
      TrackingServer started = new TrackingServer(
          config, redis, server, health, monitor, components, tracing, metrics, metricsEndpoint);
      health.setStatus(LIVENESS, ServingStatus.SERVING); // until close: enterTerminalState ends it
      started.setHealth(ServingStatus.SERVING);
      started.schedule(components.apiKeys, security.apiKeyReload().toMillis());
      return started;
    });
    steps.done();
    return running;
  }

  private static ScheduledExecutorService monitorExecutor() {
    ScheduledExecutorService monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kcid-redis-health");
              t.setDaemon(true);
              return t;
            });
    return monitor;
  }

  /** Health follows Redis; refusal counts and API keys are refreshed in the background. */
  private void schedule(ApiKeys apiKeys, long reloadMillis) {
    monitor.scheduleWithFixedDelay(this::checkRedis, 1, 1, TimeUnit.SECONDS);
    // Unauthenticated refusals are counted in memory and added to Redis about once a second.
    monitor.scheduleWithFixedDelay(() -> {
      try {
        journal.flushRefusalCounts();
      } catch (RuntimeException e) {
        log.warn("cannot flush refusal counts: {}", e.toString()); // and keep the schedule alive
      }
    }, 1, 1, TimeUnit.SECONDS);
    monitor.scheduleWithFixedDelay(() -> reloadKeys(apiKeys), reloadMillis, reloadMillis, TimeUnit.MILLISECONDS);
    // Consumer group backlogs for the metrics: one XINFO GROUPS per partition, every few seconds.
    monitor.scheduleWithFixedDelay(this::measureStreamGroups, 0, STREAM_GROUP_SECONDS, TimeUnit.SECONDS);
    // Past hours' stats hashes back to listpacks: one SMEMBERS per partition a minute while idle,
    // and a first pass soon after start, for the hours that ended while no server ran.
    monitor.scheduleWithFixedDelay(this::compactStats, STATS_COMPACT_FIRST_SECONDS, STATS_COMPACT_SECONDS, TimeUnit.SECONDS);
  }

  private void compactStats() {
    if (closing) {
      return;
    }
    statsCompactor.compactPastHours(Instant.now()).whenComplete((pass, failure) -> {
      if (failure != null) {
        metrics.statsCompactionFailed();
        log.warn("cannot compact past hours' stats hashes, trying again in {} s: {}", STATS_COMPACT_SECONDS,
            failure.toString());
        return;
      }
      metrics.statsCompacted(pass.rewritten(), pass.leftHot());
      if (pass.rewritten() > 0) {
        log.info("compacted {} stats hashes of past hours; {} stay hot", pass.rewritten(), pass.leftHot());
      }
    });
  }

  private void measureStreamGroups() {
    if (closing) {
      return;
    }
    streams.groupBacklogs().whenComplete((groups, failure) -> {
      if (failure == null) {
        metrics.streamBacklogs(groups);
      } // else: Redis is away; health says so, and the last values stay until it is back
    });
  }

  private static void reloadKeys(ApiKeys apiKeys) {
    apiKeys.reload().whenComplete((done, failure) -> {
      if (failure != null) {
        log.warn("cannot reload API keys, keeping the previous ones: {}", failure.toString());
      }
    });
  }

  /** Open auth is for a laptop: say so loudly, every start. */
  private static void warnIfOpen(ServerConfig config, int port) {
    if (config.security().auth() != AuthMode.OPEN) {
      return;
    }
    log.warn("*** gRPC authentication is OPEN (KCID_AUTH=open): any caller reaching {}:{} without a key gets every role,"
        + " admin included. Use KCID_AUTH=required with API keys anywhere but your own machine. ***",
        config.listen().bindHost(), port);
    boolean loopback;
    try {
      loopback = java.net.InetAddress.getByName(config.listen().bindHost()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      log.warn("*** {} is not a loopback address: this open server is reachable from other machines. ***",
          config.listen().bindHost());
    }
  }

  public int port() {
    return server.getPort();
  }

  /** The port of the Prometheus endpoint, or -1 when it is off (KCID_METRICS_PORT=-1). */
  public int metricsPort() {
    return metricsEndpoint == null ? MetricsConfig.OFF_PORT : metricsEndpoint.port();
  }

  /** Prometheus text of every meter, as the endpoint serves it (also when the endpoint is off). */
  public String scrapeMetrics() {
    return metrics.scrape();
  }

  /** Postback log writes that failed since start (their postbacks were answered normally). */
  public long failedPostbackLogWrites() {
    return journal.failedWrites();
  }

  /** The last unauthenticated-refusal counts, before Redis closes (bounded wait). */
  private void flushRefusalCounts() {
    try {
      journal.flushRefusalCounts().toCompletableFuture().get(config.redis().timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.warn("cannot store the last refusal counts at shutdown: {}", e.toString());
    }
  }

  /** Readiness follows Redis: without its store the server cannot answer anything useful. */
  private void checkRedis() {
    if (closing) {
      return;
    }
    try {
      redis.ping().toCompletableFuture().get(config.redis().timeout().toMillis(), TimeUnit.MILLISECONDS);
      setHealth(ServingStatus.SERVING);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException | RuntimeException | ExecutionException e) {
      setHealth(ServingStatus.NOT_SERVING);
    }
  }

  private void setHealth(ServingStatus status) {
    for (String service : SERVICES) {
      health.setStatus(service, status);
    }
  }

  /** Graceful stop: NOT_SERVING first, then drain in-flight calls, then close Redis. */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    health.enterTerminalState();
    try {
      Thread.sleep(config.listen().drainDelay().toMillis());
      // Conversion streams end first: their consumers resume elsewhere from their cursors.
      streams.close();
      verifierWatch.close();
      server.shutdown();
      if (!server.awaitTermination(config.listen().shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("calls still running after {} ms; cancelling them", config.listen().shutdownGrace().toMillis());
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    } finally {
      streams.close();
      verifierWatch.close();
      if (deliveryWorkers != null) {
        // Sends in flight finish within the grace; a job left unsettled is retried once its lease ends.
        deliveryWorkers.close(config.listen().shutdownGrace());
      }
      monitor.shutdownNow();
      deliverySender.close();
      flushRefusalCounts();
      redis.close();
      tracing.close();
      // Last: a scrape during the drain still sees the final counts.
      if (metricsEndpoint != null) {
        metricsEndpoint.close();
      }
      metrics.close();
    }
  }
}
