package io.kcid.server;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.server.config.ServerConfig;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kcid server}: runs a tracking-server until SIGTERM / Ctrl-C. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Run the tracking-server (gRPC) against Redis.")
public final class ServerMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

  @Option(names = "--bind", defaultValue = "${env:KCID_GRPC_BIND:-0.0.0.0}",
      description = "Address to listen on (KCID_GRPC_BIND). Default: ${DEFAULT-VALUE}")
  String bind;

  @Option(names = "--port", defaultValue = "${env:KCID_GRPC_PORT:-9090}",
      description = "gRPC port (KCID_GRPC_PORT). Default: ${DEFAULT-VALUE}")
  int port;

  @Option(names = "--redis-url", defaultValue = "${env:KCID_REDIS_URL}",
      description = "Redis URL (KCID_REDIS_URL): redis://[:password@]host:port[/db], rediss://…,"
          + " redis-sentinel://[password@]host:port[,host:port…][/db]#master or"
          + " redis-cluster://[:password@]host:port[,host:port…]. Required.")
  String redisUrl;

  @Option(names = "--partitions", defaultValue = "${env:KCID_PARTITIONS:-16}",
      description = "Storage partitions, fixed per deployment (KCID_PARTITIONS). Default: ${DEFAULT-VALUE}")
  int partitions;

  @Option(names = "--mac-keys", defaultValue = "${env:KCID_MAC_KEYS}",
      description = "kcid MAC keys 'id:base64url,…' (KCID_MAC_KEYS). Required.")
  String macKeys;

  @Option(names = "--mac-active-key", defaultValue = "${env:KCID_MAC_ACTIVE_KEY:-1}",
      description = "Key id that signs new kcids (KCID_MAC_ACTIVE_KEY). Default: ${DEFAULT-VALUE}")
  int activeKey;

  @Option(names = "--redis-timeout-ms", defaultValue = "${env:KCID_REDIS_TIMEOUT_MS:-500}",
      description = "Per-command Redis timeout (KCID_REDIS_TIMEOUT_MS). Default: ${DEFAULT-VALUE}")
  long redisTimeoutMs;

  @Option(names = "--redis-queue-size", defaultValue = "${env:KCID_REDIS_QUEUE_SIZE:-10000}",
      description = "Max commands queued on the Redis connection (KCID_REDIS_QUEUE_SIZE). Default: ${DEFAULT-VALUE}")
  int redisQueueSize;

  @Option(names = "--account-cache-ms", defaultValue = "${env:KCID_ACCOUNT_CACHE_MS:-1000}",
      description = "How long account settings are cached (KCID_ACCOUNT_CACHE_MS). Default: ${DEFAULT-VALUE}")
  long accountCacheMs;

  @Option(names = "--stream-max-length", defaultValue = "${env:KCID_STREAM_MAX_LENGTH:-1000000}",
      description = "Approximate length kept per partition's conversion stream (KCID_STREAM_MAX_LENGTH). Default: ${DEFAULT-VALUE}")
  long streamMaxLength;

  @Option(names = "--drain-delay-ms", defaultValue = "${env:KCID_DRAIN_DELAY_MS:-1000}",
      description = "NOT_SERVING time before stopping (KCID_DRAIN_DELAY_MS). Default: ${DEFAULT-VALUE}")
  long drainDelayMs;

  @Option(names = "--shutdown-grace-ms", defaultValue = "${env:KCID_SHUTDOWN_GRACE_MS:-10000}",
      description = "Time in-flight calls get to finish (KCID_SHUTDOWN_GRACE_MS). Default: ${DEFAULT-VALUE}")
  long shutdownGraceMs;

  /**
   * Fills in the Redis URL and MAC keys when neither a flag nor the environment gave them: how
   * {@code kcid up} runs a local server on its embedded Redis and generated dev key.
   */
  public ServerMain withLocalDefaults(String localRedisUrl, String localMacKeys) {
    if (redisUrl == null || redisUrl.isBlank()) {
      redisUrl = localRedisUrl;
    }
    if (macKeys == null || macKeys.isBlank()) {
      macKeys = localMacKeys;
    }
    return this;
  }

  /** Whether KCID_REDIS_URL (or --redis-url) names an external Redis. */
  public boolean hasRedisUrl() {
    return redisUrl != null && !redisUrl.isBlank();
  }

  /** Builds the validated configuration; throws IllegalArgumentException with a clear message. */
  public ServerConfig config() {
    if (macKeys == null || macKeys.isBlank()) {
      throw new IllegalArgumentException(
          "KCID_MAC_KEYS is not set: expected 'id:base64url-secret[,id:secret…]' with secrets of at"
              + " least 16 bytes (./kcid up generates one for local use)");
    }
    return new ServerConfig(
        bind,
        port,
        redisUrl,
        partitions,
        KcidKeyRing.parse(macKeys, activeKey),
        Duration.ofMillis(redisTimeoutMs),
        redisQueueSize,
        Duration.ofMillis(accountCacheMs),
        streamMaxLength,
        Duration.ofMillis(drainDelayMs),
        Duration.ofMillis(shutdownGraceMs));
  }

  @Override
  public Integer call() throws InterruptedException {
    ServerConfig config;
    try {
      config = config();
    } catch (IllegalArgumentException e) {
      System.err.println("kcid server: invalid configuration: " + e.getMessage());
      return 2;
    }
    TrackingServer server = TrackingServer.start(config);
    log.info(
        "kcid tracking-server listening on {}:{} (gRPC), Redis {}, {} partitions",
        config.bindHost(), server.port(), ServerConfig.redactUrl(config.redisUrl()), config.partitions());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down: health NOT_SERVING, draining calls");
                  server.close();
                  stopped.countDown();
                },
                "kcid-shutdown"));
    stopped.await();
    return 0;
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ServerMain()).execute(args));
  }
}
