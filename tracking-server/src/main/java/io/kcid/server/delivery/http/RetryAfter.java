package io.kcid.server.delivery.http;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date relative to
 * {@code now} (a date in the past means "now": zero). Anything else is ignored (empty).
 */
final class RetryAfter {
  // Far beyond the schedule's one-hour cap; keeps absurd values from overflowing.
  private static final long MAX_SECONDS = Duration.ofDays(365).toSeconds();

  private RetryAfter() {}

  static Optional<Duration> parse(String header, Instant now) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.trim();
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      if (value.length() > 12) {
        return Optional.of(Duration.ofSeconds(MAX_SECONDS));
      }
      return Optional.of(Duration.ofSeconds(Math.min(Long.parseLong(value), MAX_SECONDS)));
    }
    try {
      Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
      Duration wait = Duration.between(now, at);
      if (wait.isNegative()) {
        return Optional.of(Duration.ZERO);
      }
      return Optional.of(wait.toSeconds() > MAX_SECONDS ? Duration.ofSeconds(MAX_SECONDS) : wait);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
