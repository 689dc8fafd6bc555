package io.kcid.server.store.redis;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Redis stream ids ({@code <unix ms>-<sequence>}) as time bounds and cursors. Neighbours are
 * computed here rather than with the {@code (} exclusive-range syntax, so a cursor bound and a time
 * bound can be compared and the tighter one used.
 */
final class StreamIds {
  private static final Pattern FORMAT = Pattern.compile("[0-9]{1,19}-[0-9]{1,20}");
  private static final String MAX_SEQUENCE = "18446744073709551615";

  private StreamIds() {}

  static boolean isValid(String id) {
    if (!FORMAT.matcher(id).matches()) {
      return false;
    }
    try {
      Long.parseLong(id.substring(0, id.indexOf('-')));
      Long.parseUnsignedLong(id.substring(id.indexOf('-') + 1));
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The first id at or after {@code t}. */
  static String first(Instant t) {
    return Math.max(0, t.toEpochMilli()) + "-0";
  }

  /** The last id before {@code t}. */
  static String lastBefore(Instant t) {
    long ms = t.toEpochMilli() - 1;
    return ms < 0 ? "0-0" : ms + "-" + MAX_SEQUENCE;
  }

  static long millis(String id) {
    return Long.parseLong(id.substring(0, id.indexOf('-')));
  }

  private static long sequence(String id) {
    return Long.parseUnsignedLong(id.substring(id.indexOf('-') + 1));
  }

  /** The id just before {@code id}. */
  static String predecessor(String id) {
    long ms = millis(id);
    long seq = sequence(id);
    if (seq != 0) {
      return ms + "-" + Long.toUnsignedString(seq - 1);
    }
    return ms == 0 ? "0-0" : (ms - 1) + "-" + MAX_SEQUENCE;
  }

  /** The id just after {@code id}. */
  static String successor(String id) {
    long ms = millis(id);
    long seq = sequence(id);
    return seq == -1L ? (ms + 1) + "-0" : ms + "-" + Long.toUnsignedString(seq + 1);
  }

  static int compare(String a, String b) {
    int byTime = Long.compare(millis(a), millis(b));
    return byTime != 0 ? byTime : Long.compareUnsigned(sequence(a), sequence(b));
  }

  static String min(String a, String b) {
    return compare(a, b) <= 0 ? a : b;
  }

  static String max(String a, String b) {
    return compare(a, b) >= 0 ? a : b;
  }
}
