package io.kcid.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * The Redis store and how the server talks to it.
 *
 * @param url where the store lives, see {@link RedisEndpoint} (KCID_REDIS_URL)
 * @param timeout per-command timeout; it must stay well under callers' gRPC deadlines
 *     (KCID_REDIS_TIMEOUT_MS)
 * @param queueSize commands queued on the connection before new ones fail fast
 *     (KCID_REDIS_QUEUE_SIZE)
 * @param replicaWait the replication barrier after acknowledged writes (off by default)
 */
public record RedisConfig(String url, Duration timeout, int queueSize, ReplicaWait replicaWait) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
  public static final int DEFAULT_QUEUE_SIZE = 10_000;
  static final Duration MAX_TIMEOUT = Duration.ofMillis(5000);

  public RedisConfig {
    RedisEndpoint.parse(url); // standalone, Sentinel or Cluster; throws with a message
    Objects.requireNonNull(replicaWait, "replicaWait");
    Settings.requirePositive("KCID_REDIS_TIMEOUT_MS", timeout);
    if (timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(
          "KCID_REDIS_TIMEOUT_MS=" + timeout.toMillis()
              + ": expected at most 5000 (it must stay well under callers' gRPC deadlines)");
    }
    if (queueSize < 100) {
      throw new IllegalArgumentException("KCID_REDIS_QUEUE_SIZE=" + queueSize + ": expected >= 100");
    }
    if (replicaWait.enabled() && replicaWait.timeout().compareTo(timeout) >= 0) {
      // Redis must answer the WAIT before the client gives up on the command.
      throw new IllegalArgumentException(
          "KCID_REDIS_WAIT_TIMEOUT_MS=" + replicaWait.timeout().toMillis()
              + ": expected less than KCID_REDIS_TIMEOUT_MS=" + timeout.toMillis());
    }
  }

  /** The URL with its password hidden, for logs and messages. */
  public String redactedUrl() {
    return redactUrl(url);
  }

  /** Hides a password in a Redis URL so it can be printed. */
  public static String redactUrl(String url) {
    if (url == null) {
      return "(unset)";
    }
    return url.replaceAll("//([^@/]*)@", "//***@");
  }
}
