package io.kcid.server.store.redis;

import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.server.store.DetailDimension;
import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsCounter.Metric;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The Java side of the stats hash layout documented in {@code lib_stats.lua}: hour keys, the click
 * field (written by {@code insert_clicks.lua}) and the parsing of every field. Field parts are
 * joined by U+001F, which campaign ids, sub ids and goal keys cannot contain.
 */
final class StatsFormat {
  static final String SEPARATOR = "\u001f";
  private static final DateTimeFormatter HOUR =
      DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
  private static final int HOUR_LABEL_LENGTH = 10;

  private StatsFormat() {}

  /** The last hour labelled: nearly every click and conversion names the current hour. */
  private record Labelled(Instant hour, String label) {}

  private static volatile Labelled lastLabelled = new Labelled(Instant.EPOCH, HOUR.format(Instant.EPOCH));

  static String hourLabel(Instant hour) {
    Labelled last = lastLabelled;
    if (last.hour().equals(hour)) {
      return last.label();
    }
    String label = HOUR.format(hour);
    lastLabelled = new Labelled(hour, label);
    return label;
  }

  /** The hour a key's trailing label names (hourLabel), or null when the key ends in none. */
  static Instant hourOfLabelled(String key) {
    if (key.length() < HOUR_LABEL_LENGTH) {
      return null;
    }
    try {
      return HOUR.parse(key.substring(key.length() - HOUR_LABEL_LENGTH), Instant::from);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static Instant hourOf(Instant t) {
    return t.truncatedTo(ChronoUnit.HOURS);
  }

  /** An hour's hash lives for the stats retention after the hour ends. */
  static long expireAtMillis(Instant hour, Duration retention) {
    return hourOf(hour).plus(Duration.ofHours(1)).plus(retention).toEpochMilli();
  }

  /** The counter of clicks (fields k US campaign US s1, and likewise in the dimension hash). */
  static final String CLICKS = "k";
  /** Clicks flagged at issue time (bots, data centres): counted apart, never in {@code k}. */
  static final String FLAGGED_CLICKS = "f";
  /** Joins the entries of a click's detail dimensions (insert_clicks.lua). */
  static final String ENTRY_SEPARATOR = "\u001e";

  /**
   * The click's detail dimensions as insert_clicks.lua takes them: {@code <code><value>} entries
   * joined by RS, only those the click has.
   */
  static String clickDimensions(Click click) {
    StringBuilder entries = new StringBuilder();
    for (DetailDimension d : DetailDimension.values()) {
      String value = d.valueOf(click);
      if (!value.isEmpty()) {
        if (!entries.isEmpty()) {
          entries.append(ENTRY_SEPARATOR);
        }
        entries.append(d.code()).append(value);
      }
    }
    return entries.toString();
  }

  /** A dimension hash's counter with its detail value's code dropped. */
  static StatsCounter withoutCode(StatsCounter c) {
    return new StatsCounter(c.period(), c.metric(), c.campaignId(), c.detail().substring(1), c.goalKey(),
        c.status(), c.currency(), c.bucket(), c.value());
  }

  /** A stored field and its count as a counter; empty for a field this version does not know. */
  static Optional<StatsCounter> parse(Instant period, String field, long value) {
    String[] f = field.split(SEPARATOR, -1);
    try {
      return switch (f[0]) {
        case "k" -> f.length == 3
            ? Optional.of(new StatsCounter(period, Metric.CLICKS, f[1], f[2], "",
                ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, "", -1, value))
            : Optional.empty();
        case "f" -> f.length == 3
            ? Optional.of(new StatsCounter(period, Metric.FLAGGED_CLICKS, f[1], f[2], "",
                ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, "", -1, value))
            : Optional.empty();
        case "g" -> f.length == 4
            ? Optional.of(new StatsCounter(period, Metric.FLAGGED_CONVERSIONS, f[1], f[2], f[3],
                ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, "", -1, value))
            : Optional.empty();
        case "q" -> f.length == 4
            ? Optional.of(new StatsCounter(period, Metric.CAPPED_CONVERSIONS, f[1], f[2], f[3],
                ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, "", -1, value))
            : Optional.empty();
        case "n" -> f.length == 5
            ? Optional.of(new StatsCounter(period, Metric.CONVERSIONS, f[1], f[2], f[3], status(f[4]), "", -1, value))
            : Optional.empty();
        case "u", "m" -> f.length == 6
            ? Optional.of(new StatsCounter(period, f[0].equals("u") ? Metric.VALUE_UNITS : Metric.VALUE_MICROS,
                f[1], f[2], f[3], status(f[4]), f[5], -1, value))
            : Optional.empty();
        case "h" -> f.length == 5
            ? Optional.of(new StatsCounter(period, Metric.TIME_TO_CONVERT, f[1], f[2], f[3],
                ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, "", Integer.parseInt(f[4]), value))
            : Optional.empty();
        default -> Optional.empty();
      };
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static ConversionStatus status(String number) {
    ConversionStatus s = ConversionStatus.forNumber(Integer.parseInt(number));
    return s == null ? ConversionStatus.CONVERSION_STATUS_UNSPECIFIED : s;
  }
}
