package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ConversionStatus;
import java.time.Instant;

/**
 * One stats counter as stored: a metric of one UTC hour and cell (campaign, sub id s1, goal).
 * Fields a metric does not use are empty ("" or UNSPECIFIED or -1).
 *
 * @param goalKey empty for clicks (clicks have no goal)
 * @param bucket time-to-convert bucket index, for {@link Metric#TIME_TO_CONVERT}
 */
public record StatsCounter(
    Instant hour,
    Metric metric,
    String campaignId,
    String subId1,
    String goalKey,
    ConversionStatus status,
    String currency,
    int bucket,
    long value) {

  /** What a counter counts. */
  public enum Metric {
    CLICKS,
    /** Conversions in one status. */
    CONVERSIONS,
    /** Integer units of the value of conversions in one status and currency. */
    VALUE_UNITS,
    /** Micro-units (1e-6) of that value: the exact sum is units + micros / 10^6. */
    VALUE_MICROS,
    /** Conversions whose click-to-conversion time is in one bucket. */
    TIME_TO_CONVERT
  }
}
