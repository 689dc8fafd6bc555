package io.kcid.server.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.server.store.StatsCounter;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Reporting values in a report by local day: counters read by {@code readPeriodOf(true)} keep both
 * their local day (the row) and their UTC day (the rate). Around midnight in New York (UTC-5), one
 * local day spans two UTC days with different rates, and each hour must take its own UTC day's.
 */
class ReportingValueTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final LocalDate DEC_3 = LocalDate.of(2025, 12, 3);
  private static final LocalDate DEC_4 = LocalDate.of(2025, 12, 4);

  /** What the store answers: a counter per hour, summed by the report's read period. */
  private static List<StatsCounter> read(Function<Instant, Instant> periodOf, Map<Instant, Long> usdUnitsByHour) {
    List<StatsCounter> out = new ArrayList<>();
    usdUnitsByHour.forEach((hour, units) -> out.add(new StatsCounter(periodOf.apply(hour),
        StatsCounter.Metric.VALUE_UNITS, "", "", "", ConversionStatus.CONVERSION_STATUS_APPROVED, "USD", -1, units)));
    return out;
  }

  @Test
  void eachHourIsConvertedAtItsUtcDaysRateAndCountsInItsLocalDay() {
    StatsReport report = new StatsReport(Set.of(StatsDimension.STATS_DIMENSION_DAY), NEW_YORK);
    // 20:00 and 23:00 local on Dec 3 are 01:00Z and 04:00Z on Dec 4; 18:00 local is 23:00Z on Dec 3.
    Map<Instant, Long> hours = Map.of(
        Instant.parse("2025-12-03T23:00:00Z"), 100L,
        Instant.parse("2025-12-04T01:00:00Z"), 10L,
        Instant.parse("2025-12-04T04:00:00Z"), 1L);
    List<StatsCounter> counters = read(report.readPeriodOf(true), hours);
    ReportingRates rates = new ReportingRates("EUR", Map.of("USD", Map.of(
        DEC_3, new BigDecimal("0.5"), DEC_4, new BigDecimal("0.25"))));
    List<StatsRow> rows = report.converting(rates)
        .build(List.of(new StatsReport.AccountCounters("acme", counters))).rows();
    assertThat(rows).hasSize(1);
    StatsRow dec3 = rows.get(0);
    assertThat(dec3.getPeriod()).isEqualTo("2025-12-03");
    assertThat(dec3.getValues(0).getApprovedAmount()).isEqualTo("111.00");
    // 100 × 0.5 + 11 × 0.25 = 52.75
    assertThat(dec3.getReportingValue().getApprovedAmount()).isEqualTo("52.75");
    assertThat(dec3.getReportingValue().getCurrencyCode()).isEqualTo("EUR");
  }

  @Test
  void aDayWithoutRateIsListedAndLeftOutNeverGuessed() {
    StatsReport report = new StatsReport(Set.of(), ZoneId.of("UTC"));
    Map<Instant, Long> hours = Map.of(
        Instant.parse("2025-12-03T10:00:00Z"), 7L,
        Instant.parse("2025-12-04T10:00:00Z"), 5L);
    List<StatsCounter> counters = read(report.readPeriodOf(true), hours);
    ReportingRates rates = new ReportingRates("EUR", Map.of("USD", Map.of(DEC_3, new BigDecimal("0.9"))));
    StatsRow total = report.converting(rates).build(List.of(new StatsReport.AccountCounters("acme", counters))).total();
    assertThat(total.getReportingValue().getApprovedAmount()).isEqualTo("6.30");
    assertThat(total.getUnconvertedValuesList()).extracting(v -> v.getCurrencyCode() + " " + v.getApprovedAmount())
        .containsExactly("USD 5.00");
    assertThat(total.getMissingRatesList()).containsExactly("USD 2025-12-04");
    // The values by currency are all there, whatever the rates.
    assertThat(total.getValues(0).getApprovedAmount()).isEqualTo("12.00");
  }

  @Test
  void withoutAReportingCurrencyTheReadPeriodsAreTheReportsOwn() {
    StatsReport report = new StatsReport(Set.of(StatsDimension.STATS_DIMENSION_DAY), NEW_YORK);
    Instant hour = Instant.parse("2025-12-04T01:00:00Z");
    assertThat(report.readPeriodOf(false).apply(hour)).isEqualTo(report.periodOf().apply(hour));
    assertThat(report.build(List.of(new StatsReport.AccountCounters("acme",
        read(report.readPeriodOf(false), Map.of(hour, 3L))))).total().hasReportingValue()).isFalse();
  }
}
