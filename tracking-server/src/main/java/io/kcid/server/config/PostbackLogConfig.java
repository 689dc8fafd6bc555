package io.kcid.server.config;

import java.time.Duration;

/**
 * How much of the postback log is kept.
 *
 * @param retention how long every received postback stays in the log (KCID_POSTBACK_LOG_RETENTION)
 * @param maxLength safety cap on entries kept per account's log, whatever their age, approximate
 *     (KCID_POSTBACK_LOG_MAX_LENGTH)
 */
public record PostbackLogConfig(Duration retention, long maxLength) {
  public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);
  public static final long DEFAULT_MAX_LENGTH = 1_000_000;
  /** Beyond this a log costs more memory than a debugging aid is worth; export to a warehouse instead. */
  static final Duration MAX_RETENTION = Duration.ofDays(90);

  public PostbackLogConfig {
    if (retention == null
        || retention.compareTo(Duration.ofSeconds(1)) < 0
        || retention.compareTo(MAX_RETENTION) > 0) {
      throw new IllegalArgumentException(
          "KCID_POSTBACK_LOG_RETENTION=" + (retention == null ? "(unset)" : retention.toSeconds() + "s")
              + ": expected a duration from 1s to 90d, e.g. 7d, 48h or 30m");
    }
    if (maxLength < 1000) {
      throw new IllegalArgumentException(
          "KCID_POSTBACK_LOG_MAX_LENGTH=" + maxLength + ": expected >= 1000");
    }
  }

  public static PostbackLogConfig defaults() {
    return new PostbackLogConfig(DEFAULT_RETENTION, DEFAULT_MAX_LENGTH);
  }
}
