package io.kcid.server;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.domain.AccountAdmin;
import io.kcid.server.domain.AccountDirectory;
import io.kcid.server.domain.ClickIssuer;
import io.kcid.server.domain.ClickVerifierListing;
import io.kcid.server.domain.ConversionRecorder;
import io.kcid.server.domain.IdempotentWrites;
import io.kcid.server.domain.PostbackAuthenticator;
import io.kcid.server.domain.StatusUpdater;
import io.kcid.server.store.redis.RedisTransactionClaims;
import io.kcid.server.grpc.AdminGrpcService;
import io.kcid.server.grpc.ClickGrpcService;
import io.kcid.server.grpc.ConversionGrpcService;
import io.kcid.server.store.redis.RedisAccountStore;
import io.kcid.server.store.redis.RedisClickStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisConversionStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running tracking-server: the gRPC services wired to the Redis stores, plus health and
 * reflection. Handlers never block (they compose Lettuce futures), so calls run directly on the
 * transport threads with no hand-off to a second pool.
 */
public final class TrackingServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackingServer.class);
  private static final List<String> SERVICES =
      List.of(
          "",
          ClickServiceGrpc.SERVICE_NAME,
          ConversionServiceGrpc.SERVICE_NAME,
          AdminServiceGrpc.SERVICE_NAME);

  /**
   * Large enough for a batch of 100 signed postbacks, each carrying the signed body (the edge caps
   * bodies at 64 KiB by default).
   */
  private static final int MAX_MESSAGE_BYTES = 16 << 20;

  private final ServerConfig config;
  private final RedisConnector redis;
  private final Server server;
  private final HealthStatusManager health;
  private final ScheduledExecutorService monitor;
  private volatile boolean closing;

  private TrackingServer(
      ServerConfig config,
      RedisConnector redis,
      Server server,
      HealthStatusManager health,
      ScheduledExecutorService monitor) {
    this.config = config;
    this.redis = redis;
    this.server = server;
    this.health = health;
    this.monitor = monitor;
  }

  public static TrackingServer start(ServerConfig config) {
    RedisConnector redis =
        RedisConnector.connect(config.redisUrl(), config.redisTimeout(), config.redisQueueSize());
    Clock clock = Clock.systemUTC();
    KcidCodec codec = new KcidCodec(config.macKeys(), config.partitions());
    var clicks = new RedisClickStore(redis.commands());
    var conversions = new RedisConversionStore(redis.commands(), config.streamMaxLength());
    var accountStore = new RedisAccountStore(redis.commands());
    var accounts = new AccountDirectory(accountStore, clock, config.accountCacheTtl());
    var idempotent = new IdempotentWrites(accountStore);
    var issuer = new ClickIssuer(codec, clicks, accounts, idempotent, clock);
    var authenticator = new PostbackAuthenticator(accounts, clicks, clock);
    var recorder = new ConversionRecorder(
        codec, conversions, new RedisTransactionClaims(redis.commands()), authenticator, clock);
    var statuses = new StatusUpdater(codec, conversions, accounts, clock);
    var admin = new AccountAdmin(accountStore, accounts, idempotent, clock);

    HealthStatusManager health = new HealthStatusManager();
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), config.grpcPort()))
            .directExecutor()
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .addService(
                new ClickGrpcService(
                    issuer, clicks, codec, new ClickVerifierListing(accountStore, clock, config.partitions())))
            .addService(new ConversionGrpcService(recorder, statuses, conversions, codec))
            .addService(new AdminGrpcService(admin, accounts, accountStore))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
    try {
      server.start();
    } catch (IOException e) {
      redis.close();
      throw new UncheckedIOException(
          "Cannot listen on " + config.bindHost() + ":" + config.grpcPort() + ": " + e.getMessage(), e);
    }
    ScheduledExecutorService monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kcid-redis-health");
              t.setDaemon(true);
              return t;
            });
    TrackingServer running = new TrackingServer(config, redis, server, health, monitor);
    running.setHealth(ServingStatus.SERVING);
    monitor.scheduleWithFixedDelay(running::checkRedis, 1, 1, TimeUnit.SECONDS);
    return running;
  }

  public int port() {
    return server.getPort();
  }

  /** Health follows Redis: without its store the server cannot answer anything useful. */
  private void checkRedis() {
    if (closing) {
      return;
    }
    try {
      redis.ping().toCompletableFuture().get(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
      setHealth(ServingStatus.SERVING);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (TimeoutException | RuntimeException | java.util.concurrent.ExecutionException e) {
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
      Thread.sleep(config.drainDelay().toMillis());
      server.shutdown();
      if (!server.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("calls still running after {} ms; cancelling them", config.shutdownGrace().toMillis());
        server.shutdownNow();
        server.awaitTermination(2, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    } finally {
      monitor.shutdownNow();
      redis.close();
    }
  }
}
