package io.kcid.server.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;

/**
 * The rates a report converts its values with: for each currency and UTC day the report's values
 * fall on, units of {@code currency} per unit of that currency; a pair without a rate is missing
 * (its values are listed as unconverted, never guessed).
 */
public record ReportingRates(String currency, Map<String, Map<LocalDate, BigDecimal>> rates) {

  /** The rate of {@code from} on {@code day}; null when missing. */
  BigDecimal rate(String from, LocalDate day) {
    if (from.equals(currency)) {
      return BigDecimal.ONE;
    }
    Map<LocalDate, BigDecimal> byDay = rates.get(from);
    return byDay == null ? null : byDay.get(day);
  }
}
