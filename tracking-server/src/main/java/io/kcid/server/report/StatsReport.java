package io.kcid.server.report;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CurrencyValue;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.TimeToConvertBucket;
import io.kcid.server.conversion.TimeToConvert;
import io.kcid.server.fx.ExchangeRates;
import io.kcid.server.fx.ReportingValues;
import io.kcid.server.store.DetailDimension;
import io.kcid.server.store.StatsCounter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Currency;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Merges hourly counters (of every partition, of one account or of every account of a partner)
 * into the rows of a report. Pure: no I/O, no clock.
 *
 * <p>Grouped by account alone, every account asked about has a row, zeros included, so a
 * partner's report lists all its accounts. Clicks have no goal: grouped by goal, a row's clicks are those of its other dimensions, and
 * clicks of groups without conversions get a row of their own with an empty goal.
 */
public final class StatsReport {
  private static final DateTimeFormatter HOUR_LABEL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mmXXX");

  private final Set<StatsDimension> dimensions;
  private final ZoneId zone;
  /** Converts values to a reporting currency; null when the report has none. */
  private final ReportingRates fx;
  /** The detail dimension a counter's detail value is of (s1 when none is named). */
  private final DetailDimension detail;

  public StatsReport(Set<StatsDimension> dimensions, ZoneId zone) {
    this(dimensions, zone, null);
  }

  /** @param detail the detail dimension the counters are of, or null (s1) */
  public StatsReport(Set<StatsDimension> dimensions, ZoneId zone, DetailDimension detail) {
    this(dimensions, zone, detail, null);
  }

  /**
   * @param detail the detail dimension the counters are of, or null (s1)
   * @param fx the rates to show values in a reporting currency with; null for none. The counters
   *     must then be read by {@link #readPeriodOf(boolean)}.
   */
  private StatsReport(Set<StatsDimension> dimensions, ZoneId zone, DetailDimension detail, ReportingRates fx) {
    this.dimensions = Set.copyOf(dimensions);
    this.zone = zone;
    this.detail = detail == null ? DetailDimension.SUB_ID_1 : detail;
    this.fx = fx;
  }

  /** This report converting its values with {@code rates}. */
  public StatsReport converting(ReportingRates rates) {
    return new StatsReport(dimensions, zone, detail, rates);
  }

  /**
   * How the counters are summed when read: by report period, and (with a reporting currency) also
   * by UTC day, since each day has its own rate. An hour maps to the later of its period's start and
   * its UTC day's start: that instant lies in both, so {@link #build} finds the period and the day again.
   */
  public Function<Instant, Instant> readPeriodOf(boolean byUtcDay) {
    Function<Instant, Instant> period = periodOf();
    if (!byUtcDay) {
      return period;
    }
    return hour -> {
      Instant day = hour.truncatedTo(ChronoUnit.DAYS);
      Instant p = period.apply(hour);
      return p == null || p.isBefore(day) ? day : p;
    };
  }

  /** The rows and the total of the counters. */
  public record Result(List<StatsRow> rows, StatsRow total) {}

  /** The counters of one account (of a partner: "" when none). */
  public record AccountCounters(String accountId, String partnerId, List<StatsCounter> counters) {
    public AccountCounters(String accountId, List<StatsCounter> counters) {
      this(accountId, "", counters);
    }
  }

  /** One row's identity; a dimension not grouped by is null. detail: the detail dimension's value. */
  private record Key(Instant period, String partner, String account, String campaign, String detail, String goal) {
    Key withoutGoal() {
      return new Key(period, partner, account, campaign, detail, goal == null ? null : "");
    }
  }

  /** The report of one or more accounts' counters, summed (and grouped by account when asked). */
  public Result build(List<AccountCounters> accounts) {
    Map<Key, Sums> groups = new HashMap<>();
    Sums total = new Sums();
    boolean byAccount = dimensions.contains(StatsDimension.STATS_DIMENSION_ACCOUNT);
    Function<Instant, Instant> periodOf = periodOf();
    for (AccountCounters account : accounts) {
      for (StatsCounter c : account.counters()) {
        Instant period = c.period();
        LocalDate day = null;
        if (fx != null && period != null) {
          // Read by readPeriodOf(true): the period's instant also names the UTC day.
          day = ReportingValues.dayOf(period); // the UTC day the read period names
          period = periodOf.apply(period);
        }
        groups.computeIfAbsent(keyOf(account, period, c), k -> new Sums()).add(c, fx, day);
        total.add(c, fx, day);
      }
      if (byAccount && dimensions.size() == 1) {
        groups.computeIfAbsent(new Key(null, null, account.accountId(), null, null, null), k -> new Sums());
      }
    }
    List<Map.Entry<Key, Sums>> rows = new ArrayList<>();
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_GOAL)) {
      Set<Key> withConversions = new HashSet<>();
      for (Map.Entry<Key, Sums> e : groups.entrySet()) {
        if (!e.getKey().goal().isEmpty()) {
          Sums clicks = groups.get(e.getKey().withoutGoal());
          e.getValue().clicks = clicks == null ? 0 : clicks.clicks;
          e.getValue().flaggedClicks = clicks == null ? 0 : clicks.flaggedClicks;
          withConversions.add(e.getKey().withoutGoal());
          rows.add(e);
        }
      }
      for (Map.Entry<Key, Sums> e : groups.entrySet()) {
        if (e.getKey().goal().isEmpty() && !withConversions.contains(e.getKey())) {
          rows.add(e);
        }
      }
    } else {
      rows.addAll(groups.entrySet());
    }
    if (!detail.inStatsHash() && !(byAccount && dimensions.size() == 1)) {
      // Counters read as differences (DetailCounters) leave rows of zeros: not rows of the report.
      rows.removeIf(e -> e.getValue().isZero());
    }
    Comparator<Key> order =
        Comparator.comparing((Key k) -> k.period() == null ? Instant.EPOCH : k.period())
            .thenComparing(k -> Objects.requireNonNullElse(k.partner(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.account(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.campaign(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.goal(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.detail(), ""));
    rows.sort(Map.Entry.comparingByKey(order));
    return new Result(
        rows.stream().map(e -> row(e.getKey(), e.getValue())).toList(),
        row(new Key(null, null, null, null, null, null), total));
  }

  /**
   * The period a UTC hour belongs to: itself (HOUR), the local day it starts in (DAY), or none.
   */
  public Function<Instant, Instant> periodOf() {
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_HOUR)) {
      return hour -> hour;
    }
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_DAY)) {
      return hour -> hour.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
    }
    return hour -> null;
  }

  private Key keyOf(AccountCounters account, Instant period, StatsCounter c) {
    return new Key(
        period,
        dimensions.contains(StatsDimension.STATS_DIMENSION_PARTNER) ? account.partnerId() : null,
        dimensions.contains(StatsDimension.STATS_DIMENSION_ACCOUNT) ? account.accountId() : null,
        dimensions.contains(StatsDimension.STATS_DIMENSION_CAMPAIGN) ? c.campaignId() : null,
        dimensions.contains(detail.dimension()) ? c.detail() : null,
        dimensions.contains(StatsDimension.STATS_DIMENSION_GOAL) ? c.goalKey() : null);
  }

  private StatsRow row(Key key, Sums sums) {
    StatsRow.Builder row = StatsRow.newBuilder()
        .setAccountId(Objects.requireNonNullElse(key.account(), ""))
        .setCampaignId(Objects.requireNonNullElse(key.campaign(), ""))
        .setGoalKey(Objects.requireNonNullElse(key.goal(), ""))
        .setPartnerId(Objects.requireNonNullElse(key.partner(), ""))
        .setClicks(sums.clicks)
        .setFlaggedClicks(sums.flaggedClicks)
        .setFlaggedConversions(sums.flaggedConversions)
        .setCappedConversions(sums.cappedConversions);
    if (key.detail() != null) {
      setDetail(row, key.detail());
    }
    if (key.period() != null) {
      row.setPeriodStartTime(Timestamp.newBuilder().setSeconds(key.period().getEpochSecond()))
          .setPeriod(dimensions.contains(StatsDimension.STATS_DIMENSION_DAY)
              ? key.period().atZone(zone).toLocalDate().toString()
              : HOUR_LABEL.format(key.period().atZone(zone)));
    }
    long pending = sums.count(ConversionStatus.CONVERSION_STATUS_PENDING);
    long approved = sums.count(ConversionStatus.CONVERSION_STATUS_APPROVED);
    long rejected = sums.count(ConversionStatus.CONVERSION_STATUS_REJECTED);
    long conversions = sums.conversions.values().stream().mapToLong(Long::longValue).sum();
    row.setConversions(conversions)
        .setPendingConversions(pending)
        .setApprovedConversions(approved)
        .setRejectedConversions(rejected)
        // Flagged clicks are not in sums.clicks; their conversions leave the rate too.
        .setConversionRate(sums.clicks == 0 ? 0 : (double) (conversions - sums.flaggedConversions) / sums.clicks)
        .setApprovalRate(approved + rejected == 0 ? 0 : (double) approved / (approved + rejected));
    sums.values.forEach((currency, byStatus) -> row.addValues(currencyValue(currency, byStatus)));
    if (fx != null) {
      row.setReportingValue(CurrencyValue.newBuilder()
          .setCurrencyCode(fx.currency())
          .setApprovedAmount(reporting(sums.reporting.get(ConversionStatus.CONVERSION_STATUS_APPROVED)))
          .setPendingAmount(reporting(sums.reporting.get(ConversionStatus.CONVERSION_STATUS_PENDING)))
          .setRejectedAmount(reporting(sums.reporting.get(ConversionStatus.CONVERSION_STATUS_REJECTED))));
      sums.unconverted.forEach((currency, byStatus) -> row.addUnconvertedValues(currencyValue(currency, byStatus)));
      row.addAllMissingRates(sums.missingRates);
    }
    for (int b = 0; b < TimeToConvert.BUCKETS; b++) {
      TimeToConvertBucket.Builder bucket = TimeToConvertBucket.newBuilder()
          .setMinDuration(duration(TimeToConvert.lowerBound(b)))
          .setConversions(sums.timeToConvert[b]);
      if (b < TimeToConvert.UPPER_BOUNDS.size()) {
        bucket.setMaxDuration(duration(TimeToConvert.UPPER_BOUNDS.get(b)));
      }
      row.addTimeToConvert(bucket);
    }
    return row.build();
  }

  private static CurrencyValue currencyValue(String currency, Map<ConversionStatus, Exact> byStatus) {
    return CurrencyValue.newBuilder()
        .setCurrencyCode(currency)
        .setApprovedAmount(amount(currency, byStatus.get(ConversionStatus.CONVERSION_STATUS_APPROVED)))
        .setPendingAmount(amount(currency, byStatus.get(ConversionStatus.CONVERSION_STATUS_PENDING)))
        .setRejectedAmount(amount(currency, byStatus.get(ConversionStatus.CONVERSION_STATUS_REJECTED)))
        .build();
  }

  private void setDetail(StatsRow.Builder row, String value) {
    switch (detail) {
      case SUB_ID_1 -> row.setSubId1(value);
      case CREATIVE -> row.setCreativeId(value);
      case PLACEMENT -> row.setPlacementId(value);
      case SUB_ID_2 -> row.setSubId2(value);
      case SUB_ID_3 -> row.setSubId3(value);
      case SUB_ID_4 -> row.setSubId4(value);
      case SUB_ID_5 -> row.setSubId5(value);
      case SUB_ID_6 -> row.setSubId6(value);
      case SUB_ID_7 -> row.setSubId7(value);
      case SUB_ID_8 -> row.setSubId8(value);
      case SUB_ID_9 -> row.setSubId9(value);
      case SUB_ID_10 -> row.setSubId10(value);
    }
  }

  /**
   * An exact sum as a plain decimal string with at least the currency's usual decimals
   * ("99.80 EUR", "1500 JPY").
   */
  static String amount(String currency, Exact sum) {
    BigDecimal value = sum == null ? BigDecimal.ZERO : sum.value();
    int digits;
    try {
      digits = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
    } catch (IllegalArgumentException e) {
      digits = 2;
    }
    BigDecimal stripped = value.stripTrailingZeros();
    return (stripped.scale() < digits ? value.setScale(digits) : stripped).toPlainString();
  }

  /** A converted sum, exact until here, rounded half-even once to the reporting currency's minor units. */
  private String reporting(BigDecimal sum) {
    return ExchangeRates.round(sum == null ? BigDecimal.ZERO : sum, fx.currency()).toPlainString();
  }

  private static com.google.protobuf.Duration duration(Duration d) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).build();
  }

  /** Exact money: integer units plus micro-units, each summed without overflow. */
  record Exact(BigInteger units, BigInteger micros) {
    BigDecimal value() {
      return new BigDecimal(units).add(new BigDecimal(micros, 6));
    }
  }

  /** The sums of one row. */
  private static final class Sums {
    long clicks;
    long flaggedClicks;
    long flaggedConversions;
    long cappedConversions;
    final Map<ConversionStatus, Long> conversions = new EnumMap<>(ConversionStatus.class);
    /** currency → status → sum, ordered by currency. */
    final Map<String, Map<ConversionStatus, Exact>> values = new TreeMap<>();
    final long[] timeToConvert = new long[TimeToConvert.BUCKETS];
    /** status → exact sum in the reporting currency (unrounded). */
    final Map<ConversionStatus, BigDecimal> reporting = new EnumMap<>(ConversionStatus.class);
    /** currency → status → sum of the values without a rate. */
    final Map<String, Map<ConversionStatus, Exact>> unconverted = new TreeMap<>();
    /** "USD 2026-12-01": the rates that were missing. */
    final Set<String> missingRates = new TreeSet<>();

    void add(StatsCounter c, ReportingRates fx, LocalDate day) {
      add(c);
      if (fx == null || day == null
          || (c.metric() != StatsCounter.Metric.VALUE_UNITS && c.metric() != StatsCounter.Metric.VALUE_MICROS)) {
        return;
      }
      BigDecimal part = c.metric() == StatsCounter.Metric.VALUE_UNITS
          ? BigDecimal.valueOf(c.value()) : BigDecimal.valueOf(c.value(), 6);
      BigDecimal rate = fx.rate(c.currency(), day);
      if (rate != null) {
        reporting.merge(c.status(), part.multiply(rate, ExchangeRates.MATH), BigDecimal::add);
        return;
      }
      addValue(unconverted, c);
      missingRates.add(c.currency() + " " + day);
    }

    void add(StatsCounter c) {
      switch (c.metric()) {
        case CLICKS -> clicks = Math.addExact(clicks, c.value());
        case FLAGGED_CLICKS -> flaggedClicks = Math.addExact(flaggedClicks, c.value());
        case FLAGGED_CONVERSIONS -> flaggedConversions = Math.addExact(flaggedConversions, c.value());
        case CAPPED_CONVERSIONS -> cappedConversions = Math.addExact(cappedConversions, c.value());
        case CONVERSIONS -> conversions.merge(c.status(), c.value(), Math::addExact);
        case VALUE_UNITS, VALUE_MICROS -> addValue(values, c);
        case TIME_TO_CONVERT -> {
          if (c.bucket() >= 0 && c.bucket() < TimeToConvert.BUCKETS) {
            timeToConvert[c.bucket()] = Math.addExact(timeToConvert[c.bucket()], c.value());
          }
        }
      }
    }

    /** Adds a value counter (units or micro-units) to {@code into}: currency → status → sum. */
    private static void addValue(Map<String, Map<ConversionStatus, Exact>> into, StatsCounter c) {
      BigInteger v = BigInteger.valueOf(c.value());
      boolean units = c.metric() == StatsCounter.Metric.VALUE_UNITS;
      into.computeIfAbsent(c.currency(), x -> new EnumMap<>(ConversionStatus.class))
          .merge(c.status(),
              units ? new Exact(v, BigInteger.ZERO) : new Exact(BigInteger.ZERO, v),
              (a, b) -> new Exact(a.units().add(b.units()), a.micros().add(b.micros())));
    }

    boolean isZero() {
      return clicks == 0 && flaggedClicks == 0 && flaggedConversions == 0
          && conversions.values().stream().allMatch(v -> v == 0)
          && values.values().stream().flatMap(m -> m.values().stream())
              .allMatch(e -> e.value().signum() == 0)
          && Arrays.stream(timeToConvert).allMatch(v -> v == 0);
    }

    long count(ConversionStatus status) {
      return conversions.getOrDefault(status, 0L);
    }
  }
}
