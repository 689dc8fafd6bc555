package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ConversionStatus;
import java.time.Instant;

/**
 * One stats counter (or part of one): a metric of one report period and cell (campaign, detail
 * value, goal). Fields a metric does not use, and dimensions not grouped by, are empty ("",
 * UNSPECIFIED or -1).
 *
 * @param period start of the report period; null when the report is not grouped by time
 * @param detail the value of the detail dimension the query read ({@link StatsQuery#detail()}):
 *     the sub id s1 unless it named another
 * @param goalKey empty for clicks (clicks have no goal)
 * @param bucket time-to-convert bucket index, for {@link Metric#TIME_TO_CONVERT}
 */
public record StatsCounter(
    Instant period,
    Metric metric,
    String campaignId,
    String detail,
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
    TIME_TO_CONVERT,
    /** Clicks flagged at issue time (bots, data centres); not in {@link #CLICKS}. */
    FLAGGED_CLICKS,
    /** Conversions (every status) on flagged clicks; also in {@link #CONVERSIONS}. */
    FLAGGED_CONVERSIONS,
    /** Conversions recorded over a conversion cap (CAP_REACHED); also in {@link #CONVERSIONS}. */
    CAPPED_CONVERSIONS
  }
}
