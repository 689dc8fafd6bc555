package io.kcid.cli;

import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.kcid.proto.PostbackOutcomes;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The CLI's one vocabulary (issue #19), shared by its flags, tables and JSON: enums in lower-case
 * kebab without the type prefix, reasons as reason codes, times in RFC 3339 UTC and durations as
 * the flags take them (90s, 45m, 12h, 30d).
 */
final class CliWords {
  /** Enum values whose flag spelling is not the plain kebab form of the value name. */
  private static final Map<String, String> FLAG_SPELLINGS = Map.of(
      "COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK", "unique-transaction",
      "SECRET_KIND_POSTBACK_SIGNING_SECRET", "signing-secret",
      "STATS_DIMENSION_SUB_ID_1", "sub1",
      // A destination's trigger for a new conversion, whatever its first status.
      "DELIVERY_TRIGGER_RECORDED", "accepted");

  private CliWords() {}

  /**
   * One enum value in the CLI's words; {@code null} for the zero value (UNSPECIFIED: "not set").
   * ERROR_REASON_* keep their reason-code spelling without the prefix (GOAL_PAUSED).
   */
  static String enumWord(EnumValueDescriptor value) {
    if (value.getNumber() == 0) {
      return null;
    }
    String name = value.getName();
    String spelled = FLAG_SPELLINGS.get(name);
    if (spelled != null) {
      return spelled;
    }
    String bare = name.substring(prefix(value).length());
    if (isReason(value)) {
      return bare;
    }
    return bare.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static boolean isReason(EnumValueDescriptor value) {
    return value.getType() == ErrorReason.getDescriptor();
  }

  /** Every enum of the API numbers its UNSPECIFIED value 0: its name minus UNSPECIFIED is the prefix. */
  private static String prefix(EnumValueDescriptor value) {
    String zero = value.getType().findValueByNumber(0).getName();
    return zero.endsWith("UNSPECIFIED") ? zero.substring(0, zero.length() - "UNSPECIFIED".length()) : "";
  }

  /** RFC 3339 in UTC, e.g. {@code 2026-12-03T16:00:00Z} (fractions of a second only when there are some). */
  static String time(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).toString();
  }

  /**
   * A duration as the flags take it: the largest of d, h, m, s that divides it ({@code 30d},
   * {@code 12h}, {@code 45m}, {@code 90s}); a fraction of a second as a decimal ({@code 1.5s}).
   */
  static String duration(Duration d) {
    long seconds = d.getSeconds();
    if (d.getNanos() != 0) {
      return java.math.BigDecimal.valueOf(seconds).add(java.math.BigDecimal.valueOf(d.getNanos(), 9))
          .stripTrailingZeros().toPlainString() + "s";
    }
    if (seconds == 0) {
      return "0s";
    }
    if (seconds % 86_400 == 0) {
      return seconds / 86_400 + "d";
    }
    if (seconds % 3600 == 0) {
      return seconds / 3600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }

  /** A replay that met a duplicate (the table's {@code duplicate (replay)}); one rule for table, web view and JSON. */
  static boolean duplicateReplay(PostbackLogEntry e) {
    return PostbackOutcomes.duplicateReplay(e);
  }

  /** A sender's retry answered with the first call's answer (the table's {@code duplicate (retry)}). */
  static boolean duplicateRetry(PostbackLogEntry e) {
    return PostbackOutcomes.duplicateRetry(e);
  }

  /** A logged postback's outcome as tables and JSON say it: a repeated request that wrote nothing is a duplicate. */
  static String outcome(PostbackLogEntry e) {
    return PostbackOutcomes.name(PostbackOutcomes.outcome(e));
  }
}
