package io.kcid.server.config;

import java.time.Duration;

/**
 * The conversion event streams that StreamConversions readers follow.
 *
 * @param maxLength approximate length kept per partition's stream (KCID_STREAM_MAX_LENGTH)
 * @param pollInterval how often an idle reader looks for new events (KCID_STREAM_POLL_MS)
 */
public record StreamConfig(long maxLength, Duration pollInterval) {
  public static final long DEFAULT_MAX_LENGTH = 1_000_000;
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(200);

  public StreamConfig {
    if (maxLength < 1000) {
      throw new IllegalArgumentException("KCID_STREAM_MAX_LENGTH=" + maxLength + ": expected >= 1000");
    }
    if (pollInterval == null || pollInterval.toMillis() < 10 || pollInterval.toMillis() > 5000) {
      throw new IllegalArgumentException(
          "KCID_STREAM_POLL_MS=" + (pollInterval == null ? null : pollInterval.toMillis())
              + ": expected 10..5000");
    }
  }

  public static StreamConfig defaults() {
    return new StreamConfig(DEFAULT_MAX_LENGTH, DEFAULT_POLL_INTERVAL);
  }
}
