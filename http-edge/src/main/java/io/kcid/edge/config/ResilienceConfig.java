package io.kcid.edge.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How an edge rides out faults: how long it keeps serving after {@code /readyz} turned 503 on
 * shutdown, and whether it keeps redirecting clicks while the tracking-server is unavailable.
 *
 * @param drainDelay time between {@code /readyz} answering 503 and the edge closing its listener,
 *     so load balancers stop sending new requests before the edge refuses connections; embedding
 *     default 0, the {@code edge} command's default 1000 ms
 * @param spool the click spool; empty = clicks fail with 503 while the tracking-server is away
 *     (embedding default: none; the {@code edge} command turns it on, see {@link ResilienceOptions})
 */
public record ResilienceConfig(Duration drainDelay, Optional<SpoolConfig> spool) {

  public ResilienceConfig {
    Objects.requireNonNull(drainDelay, "drain delay must be set");
    if (drainDelay.isNegative() || drainDelay.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("drain delay must be between 0 and 60000 ms, got " + drainDelay.toMillis() + " ms");
    }
    Objects.requireNonNull(spool, "spool must be set (Optional.empty() for none)");
  }

  /** No drain delay and no spool: what an edge started without these settings does. */
  public static ResilienceConfig none() {
    return new ResilienceConfig(Duration.ZERO, Optional.empty());
  }
}
