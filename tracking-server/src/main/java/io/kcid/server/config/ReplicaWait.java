package io.kcid.server.config;

import java.time.Duration;

/**
 * The replication barrier after every write whose success a caller is told about: {@code WAIT
 * replicas timeout} on the connection that carried the write, and the call answers success only
 * when at least {@code replicas} replicas acknowledged it. {@code replicas == 0} turns it off:
 * asynchronous replication, as Redis does by default.
 *
 * @param replicas replicas that must hold a write before it is acknowledged (KCID_REDIS_WAIT_REPLICAS)
 * @param timeout how long Redis waits for them before the write is answered "outcome unknown"
 *     (KCID_REDIS_WAIT_TIMEOUT_MS)
 */
public record ReplicaWait(int replicas, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(100);
  public static final ReplicaWait OFF = new ReplicaWait(0, DEFAULT_TIMEOUT);
  /** More would be a replica count no deployment runs; a typo is likelier. */
  static final int MAX_REPLICAS = 16;

  public ReplicaWait {
    if (replicas < 0 || replicas > MAX_REPLICAS) {
      throw new IllegalArgumentException(
          "KCID_REDIS_WAIT_REPLICAS=" + replicas + ": expected 0 (off) to " + MAX_REPLICAS);
    }
    // WAIT 0 would block forever: a replica that never answers must end in a 503, not a hang.
    if (timeout == null || timeout.toMillis() < 1) {
      throw new IllegalArgumentException(
          "KCID_REDIS_WAIT_TIMEOUT_MS=" + (timeout == null ? null : timeout.toMillis()) + ": expected >= 1");
    }
  }

  public boolean enabled() {
    return replicas > 0;
  }
}
