package io.kcid.server.config;

import java.time.Duration;

/**
 * The hourly stats counters behind reports.
 *
 * @param retention how long a counter is kept after its hour (KCID_STATS_RETENTION)
 */
public record StatsConfig(Duration retention) {
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(400);

  public StatsConfig {
    if (retention == null || retention.compareTo(Duration.ofDays(1)) < 0
        || retention.compareTo(Duration.ofDays(3660)) > 0) {
      throw new IllegalArgumentException("KCID_STATS_RETENTION=" + retention + ": expected 1d to 3660d");
    }
  }

  public static StatsConfig defaults() {
    return new StatsConfig(DEFAULT_RETENTION);
  }
}
