package io.kcid.server.config;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.tracing.TracingConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Validated, immutable configuration of a tracking-server, in named sections. Every check names
 * the value it got and what it expected, so a bad deployment fails at start with a message, not
 * later with a symptom. Build one with {@link #builder()}.
 *
 * @param listen where gRPC listens and how the server stops
 * @param redis the Redis store and the replication barrier
 * @param kcid partitions and MAC keys of issued kcids
 * @param accountCache the account settings cache
 * @param stream the conversion event streams
 * @param postbackLog how much of the postback log is kept
 * @param stats how long hourly stats are kept
 * @param security API keys, TLS, overload bounds and IP privacy
 * @param tracing OpenTelemetry tracing: off, or where spans go and which share is kept
 * @param metrics where the Prometheus metrics are served
 * @param delivery outbound deliveries: workers, retries, network safety
 */
public record ServerConfig(
    ListenConfig listen,
    RedisConfig redis,
    KcidConfig kcid,
    AccountCacheConfig accountCache,
    StreamConfig stream,
    PostbackLogConfig postbackLog,
    StatsConfig stats,
    ServerSecurity security,
    TracingConfig tracing,
    MetricsConfig metrics,
    DeliveryConfig delivery) {

  public ServerConfig {
    Objects.requireNonNull(listen, "listen");
    Objects.requireNonNull(redis, "redis");
    Objects.requireNonNull(kcid, "kcid");
    Objects.requireNonNull(accountCache, "accountCache");
    Objects.requireNonNull(stream, "stream");
    Objects.requireNonNull(postbackLog, "postbackLog");
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(tracing, "tracing");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(delivery, "delivery");
  }

  /** A builder with every default; only {@link Builder#redisUrl} and {@link Builder#macKeys} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Collects settings one by one, named like their variables; {@link #build()} validates them
   * into sections. Defaults are those of {@code kcid server}, except security, which is {@link
   * ServerSecurity#open()}, and metrics, which are {@link MetricsConfig#OFF} (no listener: tests
   * start many servers side by side; {@code kcid server} serves them on 127.0.0.1:9091).
   */
  public static final class Builder {
    private String bindHost = ListenConfig.DEFAULT_BIND_HOST;
    private int grpcPort = ListenConfig.DEFAULT_GRPC_PORT;
    private Duration drainDelay = ListenConfig.DEFAULT_DRAIN_DELAY;
    private Duration shutdownGrace = ListenConfig.DEFAULT_SHUTDOWN_GRACE;
    private String redisUrl;
    private DeliveryConfig delivery = DeliveryConfig.defaults();
    private Duration redisTimeout = RedisConfig.DEFAULT_TIMEOUT;
    private int redisQueueSize = RedisConfig.DEFAULT_QUEUE_SIZE;
    private ReplicaWait replicaWait = ReplicaWait.OFF;
    private int partitions = KcidConfig.DEFAULT_PARTITIONS;
    private KcidKeyRing macKeys;
    private Duration accountCacheTtl = AccountCacheConfig.DEFAULT_TTL;
    private long streamMaxLength = StreamConfig.DEFAULT_MAX_LENGTH;
    private Duration streamPollInterval = StreamConfig.DEFAULT_POLL_INTERVAL;
    private Duration postbackLogRetention = PostbackLogConfig.DEFAULT_RETENTION;
    private long postbackLogMaxLength = PostbackLogConfig.DEFAULT_MAX_LENGTH;
    private Duration statsRetention = StatsConfig.DEFAULT_RETENTION;
    private ServerSecurity security = ServerSecurity.open();
    private TracingConfig tracing = TracingConfig.OFF;
    private MetricsConfig metrics = MetricsConfig.OFF;

    private Builder() {}

    /** Address to listen on (KCID_GRPC_BIND). Default: {@code 0.0.0.0}. */
    public Builder bindHost(String bindHost) {
      this.bindHost = bindHost;
      return this;
    }

    /** gRPC port, 0 for any free one (KCID_GRPC_PORT). Default: 9090. */
    public Builder grpcPort(int grpcPort) {
      this.grpcPort = grpcPort;
      return this;
    }

    /** NOT_SERVING time before the server stops accepting calls (KCID_DRAIN_DELAY_MS). Default: 1 s. */
    public Builder drainDelay(Duration drainDelay) {
      this.drainDelay = drainDelay;
      return this;
    }

    /** Time in-flight calls get to finish at stop (KCID_SHUTDOWN_GRACE_MS). Default: 10 s. */
    public Builder shutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
      return this;
    }

    /** Redis URL, see {@link RedisEndpoint} (KCID_REDIS_URL). Required: no default. */
    public Builder redisUrl(String redisUrl) {
      this.redisUrl = redisUrl;
      return this;
    }

    /** Per-command Redis timeout, at most 5 s (KCID_REDIS_TIMEOUT_MS). Default: 500 ms. */
    public Builder redisTimeout(Duration redisTimeout) {
      this.redisTimeout = redisTimeout;
      return this;
    }

    /** Max commands queued on the Redis connection (KCID_REDIS_QUEUE_SIZE). Default: 10000. */
    public Builder redisQueueSize(int redisQueueSize) {
      this.redisQueueSize = redisQueueSize;
      return this;
    }

    /**
     * Replication barrier after acknowledged writes; its timeout must be below the Redis timeout
     * (KCID_REDIS_WAIT_REPLICAS, KCID_REDIS_WAIT_TIMEOUT_MS). Default: {@link ReplicaWait#OFF}.
     */
    public Builder replicaWait(ReplicaWait replicaWait) {
      this.replicaWait = replicaWait;
      return this;
    }

    /** Storage partitions, 1..4096, fixed per deployment (KCID_PARTITIONS). Default: 16. */
    public Builder partitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    /** Keys that sign and verify kcids (KCID_MAC_KEYS, KCID_MAC_ACTIVE_KEY). Required: no default. */
    public Builder macKeys(KcidKeyRing macKeys) {
      this.macKeys = macKeys;
      return this;
    }

    /** How long account settings are cached, zero for no cache (KCID_ACCOUNT_CACHE_MS). Default: 1 s. */
    public Builder accountCacheTtl(Duration accountCacheTtl) {
      this.accountCacheTtl = accountCacheTtl;
      return this;
    }

    /** Approximate length kept per partition's conversion stream (KCID_STREAM_MAX_LENGTH). Default: 1000000. */
    public Builder streamMaxLength(long streamMaxLength) {
      this.streamMaxLength = streamMaxLength;
      return this;
    }

    /** How often an idle conversion stream looks for new events (KCID_STREAM_POLL_MS). Default: 200 ms. */
    public Builder streamPollInterval(Duration streamPollInterval) {
      this.streamPollInterval = streamPollInterval;
      return this;
    }

    /** How long received postbacks stay in the postback log, 1s..90d (KCID_POSTBACK_LOG_RETENTION). Default: 7 days. */
    public Builder postbackLogRetention(Duration postbackLogRetention) {
      this.postbackLogRetention = postbackLogRetention;
      return this;
    }

    /** Safety cap on entries per account's postback log (KCID_POSTBACK_LOG_MAX_LENGTH). Default: 1000000. */
    public Builder postbackLogMaxLength(long postbackLogMaxLength) {
      this.postbackLogMaxLength = postbackLogMaxLength;
      return this;
    }

    /** How long hourly stats are kept, 1d..3660d (KCID_STATS_RETENTION). Default: 400 days. */
    public Builder statsRetention(Duration statsRetention) {
      this.statsRetention = statsRetention;
      return this;
    }

    /**
     * API keys, TLS, overload bounds and IP privacy. Default: {@link ServerSecurity#open()}, no
     * authentication, for tests and embedding on loopback ({@code kcid server} requires keys).
     */
    public Builder security(ServerSecurity security) {
      this.security = security;
      return this;
    }

    /**
     * OpenTelemetry tracing (KCID_OTLP_ENDPOINT, KCID_TRACE_SAMPLING_RATIO); tests pass {@link
     * TracingConfig#exportingTo} an in-memory exporter. Default: {@link TracingConfig#OFF}.
     */
    public Builder tracing(TracingConfig tracing) {
      this.tracing = tracing;
      return this;
    }

    /**
     * Where Prometheus metrics are served (KCID_METRICS_BIND, KCID_METRICS_PORT; port 0 picks a free
     * one). Default: {@link MetricsConfig#OFF}, no listener ({@code kcid server}: 127.0.0.1:9091).
     */
    public Builder metrics(MetricsConfig metrics) {
      this.metrics = metrics;
      return this;
    }

    /** Outbound deliveries (KCID_DELIVERY_*). Default: {@link DeliveryConfig#defaults()}. */
    public Builder delivery(DeliveryConfig delivery) {
      this.delivery = delivery;
      return this;
    }

    /** The validated configuration; an IllegalArgumentException naming the first bad setting otherwise. */
    public ServerConfig build() {
      return new ServerConfig(
          new ListenConfig(bindHost, grpcPort, drainDelay, shutdownGrace),
          new RedisConfig(redisUrl, redisTimeout, redisQueueSize, replicaWait),
          new KcidConfig(partitions, macKeys),
          new AccountCacheConfig(accountCacheTtl),
          new StreamConfig(streamMaxLength, streamPollInterval),
          new PostbackLogConfig(postbackLogRetention, postbackLogMaxLength),
          new StatsConfig(statsRetention),
          security,
          tracing,
          metrics,
          delivery);
    }
  }
}
