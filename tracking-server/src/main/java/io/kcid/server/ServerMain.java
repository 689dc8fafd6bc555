package io.kcid.server;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.tracing.TracingConfig;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.common.IpPrivacy;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.DurationSetting;
import io.kcid.server.config.MetricsConfig;
import io.kcid.server.config.ReplicaWait;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code kcid server}: runs a tracking-server until SIGTERM / Ctrl-C. */
@Command(
    name = "server",
    mixinStandardHelpOptions = true,
    description = "Run the tracking-server (gRPC) against Redis.")
public final class ServerMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ServerMain.class);

  @Option(names = "--bind", defaultValue = "${env:KCID_GRPC_BIND}",
      description = "Address to listen on (KCID_GRPC_BIND). Default: 0.0.0.0 (up: 127.0.0.1)")
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

  @Option(names = "--redis-wait-replicas", defaultValue = "${env:KCID_REDIS_WAIT_REPLICAS:-0}",
      description = "Replicas that must acknowledge every write (WAIT) before it is answered OK; 0 = off, asynchronous replication (KCID_REDIS_WAIT_REPLICAS). Default: ${DEFAULT-VALUE}")
  int redisWaitReplicas;

  @Option(names = "--redis-wait-timeout-ms", defaultValue = "${env:KCID_REDIS_WAIT_TIMEOUT_MS:-100}",
      description = "How long a write waits for those replicas before it is answered 503, less than --redis-timeout-ms (KCID_REDIS_WAIT_TIMEOUT_MS). Default: ${DEFAULT-VALUE}")
  long redisWaitTimeoutMs;

  @Option(names = "--account-cache-ms", defaultValue = "${env:KCID_ACCOUNT_CACHE_MS:-1000}",
      description = "How long account settings are cached (KCID_ACCOUNT_CACHE_MS). Default: ${DEFAULT-VALUE}")
  long accountCacheMs;

  @Option(names = "--stream-max-length", defaultValue = "${env:KCID_STREAM_MAX_LENGTH:-1000000}",
      description = "Approximate length kept per partition's conversion stream (KCID_STREAM_MAX_LENGTH). Default: ${DEFAULT-VALUE}")
  long streamMaxLength;

  @Option(names = "--stats-retention", defaultValue = "${env:KCID_STATS_RETENTION:-400d}",
      description = "How long hourly stats are kept, e.g. 400d (KCID_STATS_RETENTION). Default: ${DEFAULT-VALUE}")
  String statsRetention;

  @Option(names = "--stream-poll-ms", defaultValue = "${env:KCID_STREAM_POLL_MS:-200}",
      description = "Shortest gap between an idle conversion stream's reads (they wait for appends on standalone and Sentinel); the poll interval on a Cluster (KCID_STREAM_POLL_MS). Default: ${DEFAULT-VALUE}")
  long streamPollMs;

  @Option(names = "--drain-delay-ms", defaultValue = "${env:KCID_DRAIN_DELAY_MS:-1000}",
      description = "NOT_SERVING time before stopping (KCID_DRAIN_DELAY_MS). Default: ${DEFAULT-VALUE}")
  long drainDelayMs;

  @Option(names = "--shutdown-grace-ms", defaultValue = "${env:KCID_SHUTDOWN_GRACE_MS:-10000}",
      description = "Time in-flight calls get to finish (KCID_SHUTDOWN_GRACE_MS). Default: ${DEFAULT-VALUE}")
  long shutdownGraceMs;

  @Option(names = "--auth", defaultValue = "${env:KCID_AUTH}",
      description = "required: every call needs an API key; open: no authentication, every call gets every role (KCID_AUTH). Default: required (up: open)")
  String auth;

  @Option(names = "--api-keys", defaultValue = "${env:KCID_API_KEYS}",
      description = "Configured API keys 'name:role+role:secret,…', roles issue, ingest, read, admin (KCID_API_KEYS; prefer the variable: flags show in ps).")
  String apiKeys;

  @Option(names = "--api-key-cache-ms", defaultValue = "${env:KCID_API_KEY_CACHE_MS:-5000}",
      description = "How often stored API keys are reloaded; a revocation takes this long to reach every server (KCID_API_KEY_CACHE_MS). Default: ${DEFAULT-VALUE}")
  long apiKeyCacheMs;

  @Option(names = "--tls-cert", defaultValue = "${env:KCID_TLS_CERT}",
      description = "PEM certificate chain: serve gRPC over TLS only (KCID_TLS_CERT, with KCID_TLS_KEY).")
  String tlsCert;

  @Option(names = "--tls-key", defaultValue = "${env:KCID_TLS_KEY}",
      description = "PEM PKCS#8 private key of --tls-cert (KCID_TLS_KEY).")
  String tlsKey;

  @Option(names = "--tls-client-ca", defaultValue = "${env:KCID_TLS_CLIENT_CA}",
      description = "PEM CA bundle: require client certificates it signed, mTLS (KCID_TLS_CLIENT_CA).")
  String tlsClientCa;

  @Option(names = "--max-concurrent-calls", defaultValue = "${env:KCID_MAX_CONCURRENT_CALLS:-4096}",
      description = "Unary calls in progress before new ones get RESOURCE_EXHAUSTED (KCID_MAX_CONCURRENT_CALLS). Default: ${DEFAULT-VALUE}")
  int maxConcurrentCalls;

  @Option(names = "--max-calls-per-connection", defaultValue = "${env:KCID_MAX_CALLS_PER_CONNECTION:-1000}",
      description = "Concurrent calls one connection may open (KCID_MAX_CALLS_PER_CONNECTION). Default: ${DEFAULT-VALUE}")
  int maxCallsPerConnection;

  @Option(names = "--ip-privacy", defaultValue = "${env:KCID_IP_PRIVACY:-truncate}",
      description = "How client IPs are stored: truncate (/24, /48), hash (keyed, KCID_IP_HASH_KEY) or none (KCID_IP_PRIVACY). Default: ${DEFAULT-VALUE}")
  String ipPrivacy;

  @Option(names = "--ip-hash-key", defaultValue = "${env:KCID_IP_HASH_KEY}",
      description = "base64url key (>= 16 bytes) for --ip-privacy hash (KCID_IP_HASH_KEY).")
  String ipHashKey;

  @Option(names = "--metrics-bind", defaultValue = "${env:KCID_METRICS_BIND:-127.0.0.1}",
      description = "Address of the Prometheus metrics listener (GET /metrics); loopback by default, 0.0.0.0 for a scrape from another pod (KCID_METRICS_BIND). Default: ${DEFAULT-VALUE}")
  String metricsBind;

  @Option(names = "--metrics-port", defaultValue = "${env:KCID_METRICS_PORT:-9091}",
      description = "Port of the Prometheus metrics listener; 0 picks a free one, -1 serves no metrics (KCID_METRICS_PORT). Default: ${DEFAULT-VALUE}")
  int metricsPort;

  private String defaultAuth = "required";
  private String defaultBind = "0.0.0.0";
  private final List<ConfiguredApiKeys.ConfiguredKey> localKeys = new ArrayList<>();

  /**
   * How {@code kcid up} runs: open auth and a loopback bind unless KCID_AUTH / KCID_GRPC_BIND say
   * otherwise, plus the local keys it generated (the edge's, the CLI's).
   */
  public ServerMain withLocalSecurity(List<ConfiguredApiKeys.ConfiguredKey> keys) {
    defaultAuth = "open";
    defaultBind = "127.0.0.1";
    localKeys.addAll(keys);
    return this;
  }
  @Option(names = "--postback-log-retention", defaultValue = "${env:KCID_POSTBACK_LOG_RETENTION:-7d}",
      description = "How long received postbacks stay in the postback log, 1s..90d (KCID_POSTBACK_LOG_RETENTION). Default: ${DEFAULT-VALUE}")
  String postbackLogRetention;

  @Option(names = "--otlp-endpoint", defaultValue = "${env:KCID_OTLP_ENDPOINT}",
      description = "OTLP/HTTP collector that receives traces, e.g. http://otel-collector:4318 (spans go to <url>/v1/traces); unset = tracing off (KCID_OTLP_ENDPOINT).")
  String otlpEndpoint;

  @Option(names = "--trace-sampling-ratio", defaultValue = "${env:KCID_TRACE_SAMPLING_RATIO:-1.0}",
      description = "Share of new traces kept, 0..1; a caller's traceparent decides for the traces it continues (KCID_TRACE_SAMPLING_RATIO). Default: ${DEFAULT-VALUE}")
  double traceSamplingRatio;

  @Option(names = "--postback-log-max-length", defaultValue = "${env:KCID_POSTBACK_LOG_MAX_LENGTH:-1000000}",
      description = "Safety cap on entries kept per account's postback log (KCID_POSTBACK_LOG_MAX_LENGTH). Default: ${DEFAULT-VALUE}")
  long postbackLogMaxLength;

  @Option(names = "--delivery-workers", defaultValue = "${env:KCID_DELIVERY_WORKERS:-true}", arity = "1",
      description = "Run outbound delivery workers in this server (KCID_DELIVERY_WORKERS). Default: ${DEFAULT-VALUE}")
  boolean deliveryWorkers;

  @Option(names = "--delivery-max-age", defaultValue = "${env:KCID_DELIVERY_MAX_AGE:-72h}",
      description = "How long a delivery is retried before it is dead-lettered, 1m..30d (KCID_DELIVERY_MAX_AGE). Default: ${DEFAULT-VALUE}")
  String deliveryMaxAge;

  @Option(names = "--delivery-allowed-networks", defaultValue = "${env:KCID_DELIVERY_ALLOWED_NETWORKS:-}", split = ",",
      description = "Internal IPs/CIDR blocks destinations may resolve to, e.g. 127.0.0.1/32 for a local receiver (KCID_DELIVERY_ALLOWED_NETWORKS). Default: none")
  List<String> deliveryAllowedNetworks = new ArrayList<>();

  @Option(names = "--delivery-connect-timeout", defaultValue = "${env:KCID_DELIVERY_CONNECT_TIMEOUT:-5s}",
      description = "Connect timeout of a delivery attempt (KCID_DELIVERY_CONNECT_TIMEOUT). Default: ${DEFAULT-VALUE}")
  String deliveryConnectTimeout;

  @Option(names = "--delivery-timeout", defaultValue = "${env:KCID_DELIVERY_TIMEOUT:-10s}",
      description = "Timeout of a whole delivery attempt (KCID_DELIVERY_TIMEOUT). Default: ${DEFAULT-VALUE}")
  String deliveryTimeout;

  @Option(names = "--delivery-concurrency", defaultValue = "${env:KCID_DELIVERY_CONCURRENCY:-4}",
      description = "Requests in flight per destination and server unless the destination sets its own (KCID_DELIVERY_CONCURRENCY). Default: ${DEFAULT-VALUE}")
  int deliveryConcurrency;

  @Option(names = "--delivery-log-retention", defaultValue = "${env:KCID_DELIVERY_LOG_RETENTION:-7d}",
      description = "How long finished deliveries stay in the delivery log (KCID_DELIVERY_LOG_RETENTION). Default: ${DEFAULT-VALUE}")
  String deliveryLogRetention;

  @Option(names = "--delivery-circuit-open-after", defaultValue = "${env:KCID_DELIVERY_CIRCUIT_OPEN_AFTER:-6h}",
      description = "A destination failing every attempt this long is paused by its circuit breaker (KCID_DELIVERY_CIRCUIT_OPEN_AFTER). Default: ${DEFAULT-VALUE}")
  String deliveryCircuitOpenAfter;

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
    List<ConfiguredApiKeys.ConfiguredKey> keys = new ArrayList<>(ConfiguredApiKeys.parse(apiKeys));
    for (ConfiguredApiKeys.ConfiguredKey local : localKeys) {
      if (keys.stream().noneMatch(k -> k.name().equals(local.name()))) {
        keys.add(local);
      }
    }
    ServerSecurity security =
        new ServerSecurity(
            AuthMode.parse(auth == null || auth.isBlank() ? defaultAuth : auth),
            keys,
            Duration.ofMillis(apiKeyCacheMs),
            path(tlsCert),
            path(tlsKey),
            path(tlsClientCa),
            maxConcurrentCalls,
            maxCallsPerConnection,
            IpPrivacy.of(ipPrivacy, ipHashKey));
    return ServerConfig.builder()
        .bindHost(bind == null || bind.isBlank() ? defaultBind : bind)
        .grpcPort(port)
        .redisUrl(redisUrl)
        .partitions(partitions)
        .macKeys(KcidKeyRing.parse(macKeys, activeKey))
        .redisTimeout(Duration.ofMillis(redisTimeoutMs))
        .redisQueueSize(redisQueueSize)
        .accountCacheTtl(Duration.ofMillis(accountCacheMs))
        .streamMaxLength(streamMaxLength)
        .drainDelay(Duration.ofMillis(drainDelayMs))
        .shutdownGrace(Duration.ofMillis(shutdownGraceMs))
        .postbackLogRetention(DurationSetting.parse("KCID_POSTBACK_LOG_RETENTION", postbackLogRetention))
        .postbackLogMaxLength(postbackLogMaxLength)
        .statsRetention(DurationSetting.parse("KCID_STATS_RETENTION", statsRetention))
        .streamPollInterval(Duration.ofMillis(streamPollMs))
        .security(security)
        .replicaWait(new ReplicaWait(redisWaitReplicas, Duration.ofMillis(redisWaitTimeoutMs)))
        .tracing(TracingConfig.of(otlpEndpoint, traceSamplingRatio))
        .metrics(new MetricsConfig(metricsBind, metricsPort))
        .delivery(new DeliveryConfig(
            deliveryWorkers,
            DurationSetting.parse("KCID_DELIVERY_MAX_AGE", deliveryMaxAge),
            deliveryAllowedNetworks.stream().map(String::trim).filter(s -> !s.isEmpty()).toList(),
            DurationSetting.parse("KCID_DELIVERY_CONNECT_TIMEOUT", deliveryConnectTimeout),
            DurationSetting.parse("KCID_DELIVERY_TIMEOUT", deliveryTimeout),
            deliveryConcurrency,
            DurationSetting.parse("KCID_DELIVERY_LOG_RETENTION", deliveryLogRetention),
            DurationSetting.parse("KCID_DELIVERY_CIRCUIT_OPEN_AFTER", deliveryCircuitOpenAfter)))
        .build();
  }

  private static Path path(String value) {
    return value == null || value.isBlank() ? null : Path.of(value.trim());
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
        "kcid tracking-server listening on {}:{} (gRPC{}), Redis {}{}, {} partitions, auth {}, tracing {}",
        config.listen().bindHost(), server.port(), config.security().tls() ? " over TLS" : ", plaintext",
        config.redis().redactedUrl(),
        config.redis().replicaWait().enabled()
            ? " (writes wait for " + config.redis().replicaWait().replicas() + " replica(s), "
                + config.redis().replicaWait().timeout().toMillis() + " ms)"
            : "",
        config.kcid().partitions(), config.security().auth().lowerCase(), config.tracing().describe());
    if (server.metricsPort() != MetricsConfig.OFF_PORT) {
      log.info("Prometheus metrics on http://{}:{}/metrics", config.metrics().bindHost(), server.metricsPort());
    }
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
