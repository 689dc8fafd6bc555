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
    Duration shutdownGrace) {

  public ServerConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    Objects.requireNonNull(macKeys, "macKeys");
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
    requireNonNegative("KCID_ACCOUNT_CACHE_MS", accountCacheTtl);
    if (streamMaxLength < 1000) {
      throw new IllegalArgumentException(
          "KCID_STREAM_MAX_LENGTH=" + streamMaxLength + ": expected >= 1000");
    }
    requireNonNegative("KCID_DRAIN_DELAY_MS", drainDelay);
    requireNonNegative("KCID_SHUTDOWN_GRACE_MS", shutdownGrace);
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
