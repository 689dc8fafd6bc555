package io.kcid.server;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.GrpcLimits;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.server.account.AccountAdmin;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.account.GoalAdmin;
import io.kcid.server.account.SecretAdmin;
import io.kcid.server.auth.ApiKeyInterceptor;
import io.kcid.server.auth.ApiKeys;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.click.ClickEraser;
import io.kcid.server.click.ClickIssuer;
import io.kcid.server.click.ClickLookup;
import io.kcid.server.click.ClickOwners;
import io.kcid.server.click.ClickVerifierListing;
import io.kcid.server.common.IdempotentWrites;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.conversion.ConversionLookup;
import io.kcid.server.conversion.ConversionRecorder;
import io.kcid.server.conversion.StatusUpdater;
import io.kcid.server.grpc.AdminGrpcService;
import io.kcid.server.grpc.CallLimitInterceptor;
import io.kcid.server.grpc.ClickGrpcService;
import io.kcid.server.grpc.ConversionGrpcService;
import io.kcid.server.grpc.DiagnosticsGrpcService;
import io.kcid.server.grpc.ReportGrpcService;
import io.kcid.server.postback.PostbackAuthenticator;
import io.kcid.server.postback.SignatureReplays;
import io.kcid.server.postbacklog.ClickExplainer;
import io.kcid.server.postbacklog.PostbackHistory;
import io.kcid.server.postbacklog.PostbackJournal;
import io.kcid.server.postbacklog.PostbackReplayer;
import io.kcid.server.report.Reports;
import io.kcid.server.store.redis.DurableWrites;
import io.kcid.server.store.redis.RedisAccountStore;
import io.kcid.server.store.redis.RedisApiKeyStore;
import io.kcid.server.store.redis.RedisClickStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisConversionEventLog;
import io.kcid.server.store.redis.RedisConversionStore;
import io.kcid.server.store.redis.RedisPostbackLog;
import io.kcid.server.store.redis.RedisRefusalLog;
import io.kcid.server.store.redis.RedisSignatureReplayCache;
import io.kcid.server.store.redis.RedisStatsStore;
import io.kcid.server.store.redis.RedisTransactionClaims;
import io.kcid.server.stream.ConversionStreams;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutionException;
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
          AdminServiceGrpc.SERVICE_NAME,
          DiagnosticsServiceGrpc.SERVICE_NAME,
          ReportServiceGrpc.SERVICE_NAME);

  /** The one documented gRPC message limit, shared with the edge ({@link GrpcLimits#MAX_MESSAGE_BYTES}). */
  private static final int MAX_MESSAGE_BYTES = GrpcLimits.MAX_MESSAGE_BYTES;
  private static final int STARTUP_LOAD_SECONDS = 5;

  private final ServerConfig config;
  private final RedisConnector redis;
  private final Server server;
  private final HealthStatusManager health;
  private final ScheduledExecutorService monitor;
  private final PostbackJournal journal;
  private final ConversionStreams streams;
  private volatile boolean closing;
  /** Pushes click verifier changes to watching edges; its watches end with the conversion streams. */
  private volatile io.kcid.server.click.ClickVerifierWatch verifierWatch;

  private TrackingServer(
      ServerConfig config,
      RedisConnector redis,
      Server server,
      HealthStatusManager health,
      ScheduledExecutorService monitor,
      PostbackJournal journal,
      ConversionStreams streams) {
    this.config = config;
    this.redis = redis;
    this.server = server;
    this.health = health;
    this.monitor = monitor;
    this.journal = journal;
    this.streams = streams;
  }

  public static TrackingServer start(ServerConfig config) {
    RedisConnector redis =
        RedisConnector.connect(config.redisUrl(), config.redisTimeout(), config.redisQueueSize());
    Clock clock = Clock.systemUTC();
    KcidCodec codec = new KcidCodec(config.macKeys(), config.partitions());
    // With KCID_REDIS_WAIT_REPLICAS set, what a caller is told was stored is on that many replicas.
    DurableWrites durable = redis.durableWrites(config.replicaWait());
    var clicks = new RedisClickStore(redis.commands(), durable, config.statsRetention());
    var conversions = new RedisConversionStore(
        redis.commands(), durable, config.streamMaxLength(), config.statsRetention());
    // Click verifier changes go to a shared stream that every server pushes to its watching edges.
    var verifierChanges = new io.kcid.server.store.redis.RedisVerifierChanges(redis.commands());
    var accountStore = new io.kcid.server.store.NotifyingAccountStore(new RedisAccountStore(redis.commands()), verifierChanges);
    var verifierWatch =
        new io.kcid.server.click.ClickVerifierWatch(verifierChanges, accountStore, clock, config.partitions()).start();
    var accounts = new AccountDirectory(accountStore, clock, config.accountCacheTtl());
    var idempotent = new IdempotentWrites(accountStore);
    var issuer = new ClickIssuer(codec, clicks, accounts, idempotent, clock);
    var owners = new ClickOwners(clicks);
    var authenticator = new PostbackAuthenticator(accounts, owners, clock);
    var postbackLog = new RedisPostbackLog(
        redis.commands(), config.postbackLogRetention(), config.postbackLogMaxLength());
    var refusalLog = new RedisRefusalLog(redis.commands(), config.postbackLogRetention());
    var journal = new PostbackJournal(postbackLog, refusalLog, accounts, codec, clock);
    var recorder = new ConversionRecorder(
        codec, conversions, new RedisTransactionClaims(redis.commands(), durable), authenticator, clock, journal,
        new SignatureReplays(new RedisSignatureReplayCache(redis.commands())));
    var history = new PostbackHistory(postbackLog, refusalLog, accounts, clock, config.postbackLogRetention());
    var explainer = new ClickExplainer(codec, clicks, conversions, postbackLog, history, accounts, clock);
    var replayer = new PostbackReplayer(postbackLog, history, recorder, accounts, clock);
    var statuses = new StatusUpdater(codec, conversions, accounts, clock);
    var admin = new AccountAdmin(accountStore, accounts, idempotent, clock);
    var goalAdmin = new GoalAdmin(accountStore, accounts, idempotent, clock);
    var secretAdmin = new SecretAdmin(accountStore, accounts, idempotent, clock);
    var reports = new Reports(new RedisStatsStore(redis.commands(), config.partitions()), accounts, clock);
    var streams = new ConversionStreams(
        new RedisConversionEventLog(redis.commands(), config.partitions()), accounts, config.streamPollInterval());
    ServerSecurity security = config.security();
    var apiKeys = new ApiKeys(new RedisApiKeyStore(redis.commands()), security.apiKeys(), clock);
    var eraser = new ClickEraser(codec, clicks, new RedisTransactionClaims(redis.commands(), durable), owners);

    HealthStatusManager health = new HealthStatusManager();
    Server server;
    try {
      apiKeys.reload().toCompletableFuture().get(STARTUP_LOAD_SECONDS, TimeUnit.SECONDS);
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(config.bindHost(), config.grpcPort()))
              .directExecutor()
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .maxInboundMessageSize(MAX_MESSAGE_BYTES)
              .maxConcurrentCallsPerConnection(security.maxCallsPerConnection())
              .addService(new ClickGrpcService(
                  issuer, new ClickLookup(codec, clicks), codec, eraser, new ClickVerifierListing(accountStore, clock, config.partitions()),
                  verifierWatch))
              .addService(new ConversionGrpcService(recorder, statuses, new ConversionLookup(codec, conversions), streams))
              .addService(new AdminGrpcService(admin, goalAdmin, secretAdmin, apiKeys))
              .addService(new DiagnosticsGrpcService(history, explainer, replayer))
              .addService(new ReportGrpcService(reports))
              .addService(health.getHealthService())
              .addService(ProtoReflectionServiceV1.newInstance())
              // The last interceptor added runs first: authenticate, then count the call.
              .intercept(new CallLimitInterceptor(security.maxConcurrentCalls()))
              .intercept(new ApiKeyInterceptor(apiKeys, security.auth()));
      if (security.tls()) {
        builder.sslContext(TransportSecurity.serverContext(security));
      }
      server = builder.build().start();
    } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
      verifierWatch.close();
      streams.close();
      redis.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException(
            "Cannot listen on " + config.bindHost() + ":" + config.grpcPort() + ": " + e.getMessage(), io);
      }
      throw new IllegalStateException("Cannot start the tracking-server: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      verifierWatch.close();
      streams.close();
      redis.close();
      throw new IllegalStateException("interrupted while starting", e);
    }
    warnIfOpen(config, server.getPort());
    ScheduledExecutorService monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "kcid-redis-health");
              t.setDaemon(true);
              return t;
            });
    TrackingServer running = new TrackingServer(config, redis, server, health, monitor, journal, streams);
    running.verifierWatch = verifierWatch;
    running.setHealth(ServingStatus.SERVING);
    monitor.scheduleWithFixedDelay(running::checkRedis, 1, 1, TimeUnit.SECONDS);
    // Unauthenticated refusals are counted in memory and added to Redis about once a second.
    monitor.scheduleWithFixedDelay(() -> {
      try {
        journal.flushRefusalCounts();
      } catch (RuntimeException e) {
        log.warn("cannot flush refusal counts: {}", e.toString()); // and keep the schedule alive
      }
    }, 1, 1, TimeUnit.SECONDS);
    long reload = security.apiKeyReload().toMillis();
    monitor.scheduleWithFixedDelay(() -> reloadKeys(apiKeys), reload, reload, TimeUnit.MILLISECONDS);
    return running;
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
    log.warn("*** gRPC authentication is OPEN (KCID_AUTH=open): any caller reaching {}:{} gets every role,"
        + " admin included. Use KCID_AUTH=required with API keys anywhere but your own machine. ***",
        config.bindHost(), port);
    boolean loopback;
    try {
      loopback = java.net.InetAddress.getByName(config.bindHost()).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      loopback = false;
    }
    if (!loopback) {
      log.warn("*** {} is not a loopback address: this open server is reachable from other machines. ***",
          config.bindHost());
    }
  }

  public int port() {
    return server.getPort();
  }

  /** Postback log writes that failed since start (their postbacks were answered normally). */
  public long failedPostbackLogWrites() {
    return journal.failedWrites();
  }

  /** The last unauthenticated-refusal counts, before Redis closes (bounded wait). */
  private void flushRefusalCounts() {
    try {
      journal.flushRefusalCounts().toCompletableFuture().get(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.warn("cannot store the last refusal counts at shutdown: {}", e.toString());
    }
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
      // Conversion streams end first: their consumers resume elsewhere from their cursors.
      streams.close();
      verifierWatch.close();
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
      streams.close();
      verifierWatch.close();
      monitor.shutdownNow();
      flushRefusalCounts();
      redis.close();
    }
  }
}
