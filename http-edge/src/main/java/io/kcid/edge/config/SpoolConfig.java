package io.kcid.edge.config;

import io.kcid.core.kcid.KcidKeyRing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the click spool: how an edge keeps redirecting signed clicks while the
 * tracking-server is down, slow or restarting.
 *
 * @param keys the deployment's kcid MAC key ring (the edge mints every kcid itself, so a click it
 *     had to redirect on its own keeps the kcid the user landed with)
 * @param partitions the deployment's partition count (must equal the tracking-server's)
 * @param dir where spooled clicks are kept until the tracking-server has stored them
 * @param maxBytes the most the spool may hold; a click that does not fit is answered 503
 * @param clickDeadline how long a click waits for the tracking-server before the edge redirects it
 *     on its own
 * @param verifierRefresh how often the edge re-reads all the accounts' click secrets (the fallback of
 *     the change watch, which delivers changes within about a second)
 * @param defaultDir whether {@code dir} is the default one rather than chosen by the operator: when
 *     another running edge on this machine holds it, the edge takes the first free {@code
 *     <dir>-2}, {@code <dir>-3}, … instead of refusing to start
 */
public record SpoolConfig(
    KcidKeyRing keys, int partitions, Path dir, long maxBytes, Duration clickDeadline, Duration verifierRefresh,
    boolean defaultDir) {

  public static final long MIN_BYTES = 64 * 1024;

  /** A spool in a directory the operator chose: an edge refuses to start when another one holds it. */
  public SpoolConfig(
      KcidKeyRing keys, int partitions, Path dir, long maxBytes, Duration clickDeadline, Duration verifierRefresh) {
    this(keys, partitions, dir, maxBytes, clickDeadline, verifierRefresh, false);
  }

  public SpoolConfig {
    Objects.requireNonNull(keys, "kcid keys must be set");
    Objects.requireNonNull(dir, "spool directory must be set");
    require(partitions >= 1 && partitions <= 4096, "partitions must be between 1 and 4096, got " + partitions);
    require(maxBytes >= MIN_BYTES, "spool max bytes must be at least " + MIN_BYTES + ", got " + maxBytes);
    Objects.requireNonNull(clickDeadline, "click deadline must be set");
    require(
        clickDeadline.toMillis() >= 10 && clickDeadline.compareTo(Duration.ofSeconds(10)) <= 0,
        "click deadline must be between 10 ms and 10000 ms, got " + clickDeadline.toMillis() + " ms");
    Objects.requireNonNull(verifierRefresh, "verifier refresh must be set");
    require(
        verifierRefresh.toMillis() >= 100 && verifierRefresh.compareTo(Duration.ofHours(1)) <= 0,
        "verifier refresh must be between 100 ms and 3600000 ms, got " + verifierRefresh.toMillis() + " ms");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
