package io.kcid.server.report;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CurrencyValue;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.TimeToConvertBucket;
import io.kcid.server.conversion.TimeToConvert;
import io.kcid.server.store.StatsCounter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
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

  public StatsReport(Set<StatsDimension> dimensions, ZoneId zone) {
    this.dimensions = Set.copyOf(dimensions);
    this.zone = zone;
  }

  /** The rows and the total of the counters. */
  public record Result(List<StatsRow> rows, StatsRow total) {}

  /** The counters of one account. */
  public record AccountCounters(String accountId, List<StatsCounter> counters) {}

  /** One row's identity; a dimension not grouped by is null. */
  private record Key(Instant period, String account, String campaign, String subId1, String goal) {
    Key withoutGoal() {
      return new Key(period, account, campaign, subId1, goal == null ? null : "");
    }
  }

  /** The report of one or more accounts' counters, summed (and grouped by account when asked). */
  public Result build(List<AccountCounters> accounts) {
    Map<Key, Sums> groups = new HashMap<>();
    Sums total = new Sums();
    boolean byAccount = dimensions.contains(StatsDimension.STATS_DIMENSION_ACCOUNT);
    for (AccountCounters account : accounts) {
      for (StatsCounter c : account.counters()) {
        groups.computeIfAbsent(keyOf(account.accountId(), c), k -> new Sums()).add(c);
        total.add(c);
      }
      if (byAccount && dimensions.size() == 1) {
        groups.computeIfAbsent(new Key(null, account.accountId(), null, null, null), k -> new Sums());
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
    Comparator<Key> order =
        Comparator.comparing((Key k) -> k.period() == null ? Instant.EPOCH : k.period())
            .thenComparing(k -> Objects.requireNonNullElse(k.account(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.campaign(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.goal(), ""))
            .thenComparing(k -> Objects.requireNonNullElse(k.subId1(), ""));
    rows.sort(Map.Entry.comparingByKey(order));
    return new Result(
        rows.stream().map(e -> row(e.getKey(), e.getValue())).toList(),
        row(new Key(null, null, null, null, null), total));
  }

  /**
   * The period a UTC hour belongs to: itself (HOUR), the local day it starts in (DAY), or none.
   */
  public java.util.function.Function<Instant, Instant> periodOf() {
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_HOUR)) {
      return hour -> hour;
    }
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_DAY)) {
      return hour -> hour.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
    }
    return hour -> null;
  }

  private Key keyOf(String accountId, StatsCounter c) {
    return new Key(
        c.period(),
        dimensions.contains(StatsDimension.STATS_DIMENSION_ACCOUNT) ? accountId : null,
        dimensions.contains(StatsDimension.STATS_DIMENSION_CAMPAIGN) ? c.campaignId() : null,
        dimensions.contains(StatsDimension.STATS_DIMENSION_SUB_ID_1) ? c.subId1() : null,
        dimensions.contains(StatsDimension.STATS_DIMENSION_GOAL) ? c.goalKey() : null);
  }

  private StatsRow row(Key key, Sums sums) {
    StatsRow.Builder row = StatsRow.newBuilder()
        .setAccountId(Objects.requireNonNullElse(key.account(), ""))
        .setCampaignId(Objects.requireNonNullElse(key.campaign(), ""))
        .setGoalKey(Objects.requireNonNullElse(key.goal(), ""))
        .setSubId1(Objects.requireNonNullElse(key.subId1(), ""))
        .setClicks(sums.clicks)
        .setFlaggedClicks(sums.flaggedClicks)
        .setFlaggedConversions(sums.flaggedConversions)
        .setCappedConversions(sums.cappedConversions);
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
    sums.values.forEach(
        (currency, byStatus) -> row.addValues(
            CurrencyValue.newBuilder()
                .setCurrencyCode(currency)
                .setApprovedAmount(amount(currency, byStatus.get(ConversionStatus.CONVERSION_STATUS_APPROVED)))
                .setPendingAmount(amount(currency, byStatus.get(ConversionStatus.CONVERSION_STATUS_PENDING)))
                .setRejectedAmount(amount(currency, byStatus.get(ConversionStatus.CONVERSION_STATUS_REJECTED)))));
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

    void add(StatsCounter c) {
      switch (c.metric()) {
        case CLICKS -> clicks = Math.addExact(clicks, c.value());
        case FLAGGED_CLICKS -> flaggedClicks = Math.addExact(flaggedClicks, c.value());
        case FLAGGED_CONVERSIONS -> flaggedConversions = Math.addExact(flaggedConversions, c.value());
        case CAPPED_CONVERSIONS -> cappedConversions = Math.addExact(cappedConversions, c.value());
        case CONVERSIONS -> conversions.merge(c.status(), c.value(), Math::addExact);
        case VALUE_UNITS, VALUE_MICROS -> {
          BigInteger v = BigInteger.valueOf(c.value());
          boolean units = c.metric() == StatsCounter.Metric.VALUE_UNITS;
          values.computeIfAbsent(c.currency(), x -> new EnumMap<>(ConversionStatus.class))
              .merge(c.status(),
                  units ? new Exact(v, BigInteger.ZERO) : new Exact(BigInteger.ZERO, v),
                  (a, b) -> new Exact(a.units().add(b.units()), a.micros().add(b.micros())));
        }
        case TIME_TO_CONVERT -> {
          if (c.bucket() >= 0 && c.bucket() < TimeToConvert.BUCKETS) {
            timeToConvert[c.bucket()] = Math.addExact(timeToConvert[c.bucket()], c.value());
          }
        }
      }
    }

    long count(ConversionStatus status) {
      return conversions.getOrDefault(status, 0L);
    }
  }
}
