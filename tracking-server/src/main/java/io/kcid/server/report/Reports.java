package io.kcid.server.report;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.partner.PartnerDirectory;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.DetailDimension;
import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsQuery;
import io.kcid.server.store.StatsStore;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import io.kcid.server.fx.ExchangeRates;
import io.kcid.server.fx.ReportingCurrencySettings;
import io.kcid.server.fx.ReportingValues;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * GetStats: validates the request, reads the hourly counters of the range from every partition and
 * merges them ({@link StatsReport}). The work is proportional to hours × partitions (× accounts, for
 * a partner's report), never to the number of clicks.
 */
public final class Reports {
  /** Longest range of a report. */
  public static final Duration MAX_RANGE = Duration.ofDays(400);
  /** Longest range of a report with HOUR rows. */
  public static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);

  /** Accounts of a partner whose counters are read at the same time. */
  static final int ROLLUP_PARALLELISM = 16;

  private final AccountDirectory accounts;
  private final PartnerDirectory partners;
  private final PartnerRollup rollup;
  private final DetailCounters detailCounters;
  private final Clock clock;
  private final ExchangeRates exchangeRates;

  /**
   * @param accountList lists the accounts a partner's report rolls up
   * @param exchangeRates converts values to a reporting currency; null reports none
   */
  public Reports(
      StatsStore stats, AccountDirectory accounts, PartnerDirectory partners, AccountStore accountList,
      Clock clock, ExchangeRates exchangeRates) {
    this.exchangeRates = exchangeRates;
    this.accounts = accounts;
    this.partners = partners;
    this.rollup = new PartnerRollup(accountList, ROLLUP_PARALLELISM);
    this.detailCounters = new DetailCounters(stats);
    this.clock = clock;
  }

  /** The report of one account (account_id) or of every account of a partner (partner_id). */
  public CompletionStage<GetStatsResponse> getStats(GetStatsRequest request) {
    boolean byPartner = !request.getPartnerId().isEmpty();
    ReportingCurrencySettings.checked("reporting_currency", request.getReportingCurrency());
    if (byPartner && !request.getAccountId().isEmpty()) {
      throw Identifiers.invalid("partner_id", "give account_id or partner_id, not both");
    }
    if (!byPartner && request.getAccountId().isEmpty()) {
      throw new KcidException(ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "account_id (one account) or partner_id (all accounts of a partner) is required", Map.of("field", "account_id"));
    }
    if (!byPartner && request.getTimeZone().isEmpty()) {
      // Default time zone: the account's (a cached read; the report reads the account anyway).
      return accounts
          .get(Identifiers.key("account_id", request.getAccountId()))
          .thenCompose(account -> getStats(request.toBuilder().setTimeZone(
              account.account().getTimeZone().isEmpty() ? "UTC" : account.account().getTimeZone()).build()));
    }
    String id = byPartner ? Identifiers.key("partner_id", request.getPartnerId()) : Identifiers.key("account_id", request.getAccountId());
    if (!request.hasStartTime()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER, "start_time is required", Map.of("field", "start_time"));
    }
    Instant start = instant("start_time", request.getStartTime()).truncatedTo(ChronoUnit.HOURS);
    Instant end = ceilHour(request.hasEndTime() ? instant("end_time", request.getEndTime()) : clock.instant());
    if (!end.isAfter(start)) {
      throw Identifiers.invalid("end_time", "end_time must lie after start_time");
    }
    StatsPlan plan = StatsPlan.of(request);
    Set<StatsDimension> dimensions = plan.dimensions();
    Duration range = Duration.between(start, end);
    if (range.compareTo(MAX_RANGE) > 0) {
      throw Identifiers.invalid("start_time", "a report covers at most " + MAX_RANGE.toDays() + " days");
    }
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_HOUR) && range.compareTo(MAX_HOURLY_RANGE) > 0) {
      throw Identifiers.invalid(
          "start_time", "a report by hour covers at most " + MAX_HOURLY_RANGE.toDays() + " days; group by day");
    }
    ZoneId asked = zone(request.getTimeZone());
    if (!byPartner) {
      StatsReport report = new StatsReport(dimensions, asked, plan.detail());
      return accounts
          .get(id)
          .thenCompose(account -> {
            String reporting = reportingCurrency(request, account.account().getReportingCurrency());
            String partnerId = account.account().getPartnerId();
            CompletionStage<List<StatsCounter>> counters = plan.keeps(id, partnerId)
                ? read(report, plan, asked, id, start, end, !reporting.isEmpty())
                : CompletableFuture.completedFuture(List.of());
            return counters.thenCompose(
                c -> build(report, reporting, List.of(new StatsReport.AccountCounters(id, partnerId, c))));
          })
          .thenApply(result -> response(result, dimensions, asked, start, end));
    }
    return partners
        .get(id)
        .thenCompose(
            partner -> {
              // The partner's default time zone, unless the request names one.
              ZoneId zone = request.getTimeZone().isEmpty() ? zone(partner.getDefaults().getTimeZone()) : asked;
              StatsReport report = new StatsReport(dimensions, zone, plan.detail());
              // A partner's accounts may report in different currencies: only the request's converts.
              String reporting = reportingCurrency(request, "");
              return rollup
                  .accountIds(id)
                  .thenApply(ids -> ids.stream().filter(accountId -> plan.keeps(accountId, id)).toList())
                  .thenCompose(ids -> rollup.read(ids,
                      accountId -> read(report, plan, zone, accountId, start, end, !reporting.isEmpty())))
                  .thenCompose(counters -> build(report, reporting,
                      counters.stream().map(c -> new StatsReport.AccountCounters(c.accountId(), id, c.counters())).toList()))
                  .thenApply(result -> response(result, dimensions, zone, start, end));
            });
  }

  /** The request's reporting currency, else {@code fallback}; empty (none) without exchange rates. */
  private String reportingCurrency(GetStatsRequest request, String fallback) {
    if (exchangeRates == null) {
      return "";
    }
    return request.getReportingCurrency().isEmpty() ? fallback : request.getReportingCurrency();
  }

  /**
   * The report of the counters; with a reporting currency, first the rate of every currency and UTC
   * day among the counters' values (cached days, so mostly no Redis read).
   */
  private CompletionStage<StatsReport.Result> build(
      StatsReport report, String reporting, List<StatsReport.AccountCounters> counters) {
    if (reporting.isEmpty()) {
      return CompletableFuture.completedFuture(report.build(counters));
    }
    Set<Map.Entry<String, LocalDate>> wanted = new HashSet<>();
    for (StatsReport.AccountCounters account : counters) {
      for (StatsCounter c : account.counters()) {
        if ((c.metric() == StatsCounter.Metric.VALUE_UNITS || c.metric() == StatsCounter.Metric.VALUE_MICROS)
            && c.period() != null && !c.currency().equals(reporting)) {
          wanted.add(Map.entry(c.currency(), ReportingValues.dayOf(c.period())));
        }
      }
    }
    Map<String, Map<LocalDate, BigDecimal>> rates = new ConcurrentHashMap<>();
    List<CompletableFuture<Void>> lookups = new ArrayList<>();
    for (Map.Entry<String, LocalDate> pair : wanted) {
      lookups.add(exchangeRates.rate(pair.getKey(), reporting, pair.getValue()).toCompletableFuture()
          .thenAccept(rate -> rate.ifPresent(r -> rates
              .computeIfAbsent(pair.getKey(), x -> new ConcurrentHashMap<>()).put(pair.getValue(), r.rate()))));
    }
    return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
        .thenApply(x -> report.converting(new ReportingRates(reporting, rates)).build(counters));
  }

  /**
   * The counters of one account, filtered and reduced as the plan asks; with {@code byUtcDay} also
   * summed per UTC day (each day has its own exchange rate).
   */
  private CompletionStage<List<StatsCounter>> read(
      StatsReport report, StatsPlan plan, ZoneId zone, String accountId, Instant start, Instant end, boolean byUtcDay) {
    StatsQuery base = new StatsQuery(accountId, start, end, report.readPeriodOf(byUtcDay),
        plan.groups(StatsDimension.STATS_DIMENSION_CAMPAIGN), false,
        plan.groups(StatsDimension.STATS_DIMENSION_GOAL), DetailDimension.SUB_ID_1,
        plan.filter(StatsDimension.STATS_DIMENSION_CAMPAIGN), Optional.empty(),
        plan.filter(StatsDimension.STATS_DIMENSION_GOAL), plan.hours(zone));
    DetailDimension detail = plan.detail();
    return detailCounters.read(base, detail, plan.byDetail(),
        detail == null ? Optional.empty() : plan.filter(detail.dimension()));
  }

  private static GetStatsResponse response(
      StatsReport.Result result, Set<StatsDimension> dimensions, ZoneId zone, Instant start, Instant end) {
    return GetStatsResponse.newBuilder()
        .addAllRows(result.rows())
        .setTotal(result.total())
        .setStartTime(Timestamp.newBuilder().setSeconds(start.getEpochSecond()))
        .setEndTime(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
        .setTimeZone(zone.getId())
        .setDayBoundariesApproximate(
            dimensions.contains(StatsDimension.STATS_DIMENSION_DAY) && offHourOffset(zone, start, end))
        .build();
  }

  /** An IANA zone id (or a fixed offset such as +02:00); empty is UTC. */
  static ZoneId zone(String id) {
    if (id.isEmpty()) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(id);
    } catch (DateTimeException e) {
      throw Identifiers.invalid(
          "time_zone", "time_zone '" + printable(id) + "' is not an IANA time zone such as Europe/Berlin");
    }
  }

  /** Whether the zone's offset is not a whole number of hours somewhere in the range. */
  static boolean offHourOffset(ZoneId zone, Instant start, Instant end) {
    for (Instant t = start; t.isBefore(end); t = t.plus(Duration.ofHours(1))) {
      if (zone.getRules().getOffset(t).getTotalSeconds() % 3600 != 0) {
        return true;
      }
    }
    return false;
  }

  private static Instant ceilHour(Instant t) {
    Instant floor = t.truncatedTo(ChronoUnit.HOURS);
    return floor.equals(t) ? t : floor.plus(Duration.ofHours(1));
  }

  /** Timestamps of years 1 to 9999 (the protobuf Timestamp range). */
  private static Instant instant(String field, Timestamp t) {
    if (t.getSeconds() < -62_135_596_800L || t.getSeconds() > 253_402_300_799L
        || t.getNanos() < 0 || t.getNanos() > 999_999_999) {
      throw Identifiers.invalid(field, field + " is not a valid timestamp");
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static String printable(String s) {
    String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
