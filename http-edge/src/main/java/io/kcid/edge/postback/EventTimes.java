package io.kcid.edge.postback;

import com.google.protobuf.Timestamp;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses {@code event_time}: unix seconds (up to 11 digits), unix milliseconds (12 or 13 digits), or
 * RFC 3339 with an offset ({@code 2024-05-01T12:00:00Z}, {@code 2024-05-01T14:00:00.250+02:00}).
 * The digit count decides the unit, so {@code 1714564800} is never read as milliseconds in 1970.
 */
final class EventTimes {
  /** google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. */
  private static final long MIN_SECONDS = -62_135_596_800L;
  private static final long MAX_SECONDS = 253_402_300_799L;

  private EventTimes() {}

  static Timestamp parse(String value) {
    Instant instant = value.chars().allMatch(ch -> ch >= '0' && ch <= '9') && !value.isEmpty()
        ? fromDigits(value)
        : fromRfc3339(value);
    if (instant.getEpochSecond() < MIN_SECONDS || instant.getEpochSecond() > MAX_SECONDS) {
      throw invalid();
    }
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  private static Instant fromDigits(String digits) {
    if (digits.length() <= 11) {
      return Instant.ofEpochSecond(Long.parseLong(digits));
    }
    if (digits.length() <= 13) {
      return Instant.ofEpochMilli(Long.parseLong(digits));
    }
    throw invalid();
  }

  private static Instant fromRfc3339(String text) {
    try {
      // RFC 3339 allows a lower-case 't' and 'z'; ISO_OFFSET_DATE_TIME wants upper case.
      return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      throw invalid();
    }
  }

  private static Rejection invalid() {
    return new Rejection(
        ErrorReason.ERROR_REASON_INVALID_EVENT_TIME,
        "event_time must be unix seconds, unix milliseconds (12-13 digits) or RFC 3339 with an offset, "
            + "e.g. 2024-05-01T12:00:00Z.");
  }
}
