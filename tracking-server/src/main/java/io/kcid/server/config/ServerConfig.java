package io.kcid.server.config;

import io.kcid.core.kcid.KcidKeyRing;
import java.time.Duration;
import java.util.Objects;

/**
 * Validated, immutable configuration of a tracking-server. Every check names the value it got and
 * what it expected, so a bad deployment fails at start with a message, not later with a symptom.
 *
 * @param partitions storage partitions; fixed per deployment (recorded in every kcid)
 * @param drainDelay how long health reports NOT_SERVING before the server stops accepting calls,
 *     so load balancers move traffic away first
 * @param postbackLogRetention how long every received postback stays in the postback log
 * @param postbackLogMaxLength safety cap on entries kept per account's postback log, whatever
 *     their age (approximate)
 * @param statsRetention how long hourly stats counters are kept after their hour
 * @param streamPollInterval how often an idle StreamConversions reader looks for new events
 * @param security API keys, TLS, overload bounds and IP privacy
 * @param replicaWait the replication barrier after acknowledged writes (off by default)
 */
public record ServerConfig(
    String bindHost,
    int grpcPort,
    String redisUrl,
    int partitions,
    KcidKeyRing macKeys,
    Duration redisTimeout,
    int redisQueueSize,
    Duration accountCacheTtl,
    long streamMaxLength,
    Duration drainDelay,
    Duration shutdownGrace,
    Duration postbackLogRetention,
    long postbackLogMaxLength,
    Duration statsRetention,
    Duration streamPollInterval,
    ServerSecurity security,
    ReplicaWait replicaWait) {

  public static final Duration DEFAULT_POSTBACK_LOG_RETENTION = Duration.ofDays(7);
  public static final long DEFAULT_POSTBACK_LOG_MAX_LENGTH = 1_000_000;
  /** Beyond this a log costs more memory than a debugging aid is worth; export to a warehouse instead. */
  static final Duration MAX_POSTBACK_LOG_RETENTION = Duration.ofDays(90);
  public static final Duration DEFAULT_STATS_RETENTION = Duration.ofDays(400);
  public static final Duration DEFAULT_STREAM_POLL_INTERVAL = Duration.ofMillis(200);

  /**
   * The core settings, with the defaults of the postback log, stats and stream, and without API
   * keys or TLS ({@link ServerSecurity#open()}): for tests and embedding on loopback.
   */
  public ServerConfig(
      String bindHost, int grpcPort, String redisUrl, int partitions, KcidKeyRing macKeys,
      Duration redisTimeout, int redisQueueSize, Duration accountCacheTtl, long streamMaxLength,
      Duration drainDelay, Duration shutdownGrace) {
    this(bindHost, grpcPort, redisUrl, partitions, macKeys, redisTimeout, redisQueueSize, accountCacheTtl,
        streamMaxLength, drainDelay, shutdownGrace, DEFAULT_POSTBACK_LOG_RETENTION,
        DEFAULT_POSTBACK_LOG_MAX_LENGTH, DEFAULT_STATS_RETENTION, DEFAULT_STREAM_POLL_INTERVAL,
        ServerSecurity.open());
  }

  /** Every setting but the replication barrier, which is off. */
  public ServerConfig(
      String bindHost, int grpcPort, String redisUrl, int partitions, KcidKeyRing macKeys,
      Duration redisTimeout, int redisQueueSize, Duration accountCacheTtl, long streamMaxLength,
      Duration drainDelay, Duration shutdownGrace, Duration postbackLogRetention,
      long postbackLogMaxLength, Duration statsRetention, Duration streamPollInterval,
      ServerSecurity security) {
    this(bindHost, grpcPort, redisUrl, partitions, macKeys, redisTimeout, redisQueueSize, accountCacheTtl,
        streamMaxLength, drainDelay, shutdownGrace, postbackLogRetention, postbackLogMaxLength,
        statsRetention, streamPollInterval, security, ReplicaWait.OFF);
  }

  /** A copy with another replication barrier. */
  public ServerConfig withReplicaWait(ReplicaWait wait) {
    return new ServerConfig(bindHost, grpcPort, redisUrl, partitions, macKeys, redisTimeout, redisQueueSize,
        accountCacheTtl, streamMaxLength, drainDelay, shutdownGrace, postbackLogRetention,
        postbackLogMaxLength, statsRetention, streamPollInterval, security, wait);
  }

  /** A copy with other security settings. */
  public ServerConfig withSecurity(ServerSecurity newSecurity) {
    return new ServerConfig(bindHost, grpcPort, redisUrl, partitions, macKeys, redisTimeout, redisQueueSize,
        accountCacheTtl, streamMaxLength, drainDelay, shutdownGrace, postbackLogRetention,
        postbackLogMaxLength, statsRetention, streamPollInterval, newSecurity, replicaWait);
  }

  /** A copy with another postback log retention. */
  public ServerConfig withPostbackLogRetention(Duration retention) {
    return new ServerConfig(bindHost, grpcPort, redisUrl, partitions, macKeys, redisTimeout,
        redisQueueSize, accountCacheTtl, streamMaxLength, drainDelay, shutdownGrace, retention,
        postbackLogMaxLength, statsRetention, streamPollInterval, security, replicaWait);
  }

  /** A copy with other stats retention and stream poll interval. */
  public ServerConfig withStatsAndStream(Duration newStatsRetention, Duration newStreamPollInterval) {
    return new ServerConfig(bindHost, grpcPort, redisUrl, partitions, macKeys, redisTimeout, redisQueueSize,
        accountCacheTtl, streamMaxLength, drainDelay, shutdownGrace, postbackLogRetention,
        postbackLogMaxLength, newStatsRetention, newStreamPollInterval, security, replicaWait);
  }

  public ServerConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(macKeys, "macKeys");
    Objects.requireNonNull(security, "security");
    Objects.requireNonNull(replicaWait, "replicaWait");
    if (grpcPort < 0 || grpcPort > 65535) {
      throw new IllegalArgumentException("KCID_GRPC_PORT=" + grpcPort + ": expected 0..65535");
    }
    RedisEndpoint.parse(redisUrl); // standalone, Sentinel or Cluster; throws with a message
    if (partitions < 1 || partitions > 4096) {
      throw new IllegalArgumentException("KCID_PARTITIONS=" + partitions + ": expected 1..4096");
    }
    requirePositive("KCID_REDIS_TIMEOUT_MS", redisTimeout);
    if (redisTimeout.toMillis() > 5000) {
      throw new IllegalArgumentException(
          "KCID_REDIS_TIMEOUT_MS=" + redisTimeout.toMillis()
              + ": expected at most 5000 (it must stay well under callers' gRPC deadlines)");
    }
    if (redisQueueSize < 100) {
      throw new IllegalArgumentException("KCID_REDIS_QUEUE_SIZE=" + redisQueueSize + ": expected >= 100");
    }
    if (replicaWait.enabled() && replicaWait.timeout().compareTo(redisTimeout) >= 0) {
      // Redis must answer the WAIT before the client gives up on the command.
      throw new IllegalArgumentException(
          "KCID_REDIS_WAIT_TIMEOUT_MS=" + replicaWait.timeout().toMillis()
              + ": expected less than KCID_REDIS_TIMEOUT_MS=" + redisTimeout.toMillis());
    }
    requireNonNegative("KCID_ACCOUNT_CACHE_MS", accountCacheTtl);
    if (streamMaxLength < 1000) {
      throw new IllegalArgumentException(
          "KCID_STREAM_MAX_LENGTH=" + streamMaxLength + ": expected >= 1000");
    }
    requireNonNegative("KCID_DRAIN_DELAY_MS", drainDelay);
    requireNonNegative("KCID_SHUTDOWN_GRACE_MS", shutdownGrace);
    if (postbackLogRetention == null
        || postbackLogRetention.compareTo(Duration.ofSeconds(1)) < 0
        || postbackLogRetention.compareTo(MAX_POSTBACK_LOG_RETENTION) > 0) {
      throw new IllegalArgumentException(
          "KCID_POSTBACK_LOG_RETENTION=" + describe(postbackLogRetention)
              + ": expected a duration from 1s to 90d, e.g. 7d, 48h or 30m");
    }
    if (postbackLogMaxLength < 1000) {
      throw new IllegalArgumentException(
          "KCID_POSTBACK_LOG_MAX_LENGTH=" + postbackLogMaxLength + ": expected >= 1000");
    }
    if (statsRetention == null || statsRetention.compareTo(Duration.ofDays(1)) < 0
        || statsRetention.compareTo(Duration.ofDays(3660)) > 0) {
      throw new IllegalArgumentException(
          "KCID_STATS_RETENTION=" + statsRetention + ": expected 1d to 3660d");
    }
    if (streamPollInterval == null || streamPollInterval.toMillis() < 10 || streamPollInterval.toMillis() > 5000) {
      throw new IllegalArgumentException(
          "KCID_STREAM_POLL_MS=" + (streamPollInterval == null ? null : streamPollInterval.toMillis())
              + ": expected 10..5000");
    }
  }

  private static String describe(Duration d) {
    return d == null ? "(unset)" : d.toSeconds() + "s";
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + "=" + d + ": expected a positive duration");
    }
  }

  private static void requireNonNegative(String name, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(name + "=" + d + ": expected zero or more");
    }
  }

  /** Hides a password in a Redis URL so it can be printed. */
  public static String redactUrl(String url) {
    if (url == null) {
      return "(unset)";
    }
    return url.replaceAll("//([^@/]*)@", "//***@");
  }
}
