package io.kcid.server.report;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.store.StatsQuery;
import io.kcid.server.store.StatsStore;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * GetStats: validates the request, reads the hourly counters of the range from every partition and
 * merges them ({@link StatsReport}). The work is proportional to hours × partitions, never to the
 * number of clicks.
 */
public final class Reports {
  /** Longest range of a report. */
  public static final Duration MAX_RANGE = Duration.ofDays(400);
  /** Longest range of a report with HOUR rows. */
  public static final Duration MAX_HOURLY_RANGE = Duration.ofDays(31);

  private final StatsStore stats;
  private final AccountDirectory accounts;
  private final java.time.Clock clock;

  public Reports(StatsStore stats, AccountDirectory accounts, java.time.Clock clock) {
    this.stats = stats;
    this.accounts = accounts;
    this.clock = clock;
  }

  public CompletionStage<GetStatsResponse> getStats(GetStatsRequest request) {
    if (request.getTimeZone().isEmpty() && !request.getAccountId().isEmpty()) {
      // Default time zone: the account's (a cached read; the report reads the account anyway).
      return accounts
          .get(Identifiers.key("account_id", request.getAccountId()))
          .thenCompose(account -> getStats(request.toBuilder().setTimeZone(
              account.account().getTimeZone().isEmpty() ? "UTC" : account.account().getTimeZone()).build()));
    }
    String accountId = Identifiers.key("account_id", request.getAccountId());
    if (!request.hasStartTime()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER, "start_time is required", Map.of("field", "start_time"));
    }
    Instant start = instant("start_time", request.getStartTime()).truncatedTo(ChronoUnit.HOURS);
    Instant end = ceilHour(request.hasEndTime() ? instant("end_time", request.getEndTime()) : clock.instant());
    if (!end.isAfter(start)) {
      throw Identifiers.invalid("end_time", "end_time must lie after start_time");
    }
    Set<StatsDimension> dimensions = dimensions(request);
    Duration range = Duration.between(start, end);
    if (range.compareTo(MAX_RANGE) > 0) {
      throw Identifiers.invalid("start_time", "a report covers at most " + MAX_RANGE.toDays() + " days");
    }
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_HOUR) && range.compareTo(MAX_HOURLY_RANGE) > 0) {
      throw Identifiers.invalid(
          "start_time", "a report by hour covers at most " + MAX_HOURLY_RANGE.toDays() + " days; group by day");
    }
    ZoneId zone = zone(request.getTimeZone());
    StatsReport report = new StatsReport(dimensions, zone);
    StatsQuery query = new StatsQuery(accountId, start, end, report.periodOf(),
        dimensions.contains(StatsDimension.STATS_DIMENSION_CAMPAIGN),
        dimensions.contains(StatsDimension.STATS_DIMENSION_SUB_ID_1),
        dimensions.contains(StatsDimension.STATS_DIMENSION_GOAL));
    return accounts
        .get(accountId)
        .thenCompose(account -> stats.read(query))
        .thenApply(
            counters -> {
              StatsReport.Result result = report.build(counters);
              return GetStatsResponse.newBuilder()
                  .addAllRows(result.rows())
                  .setTotal(result.total())
                  .setStartTime(Timestamp.newBuilder().setSeconds(start.getEpochSecond()))
                  .setEndTime(Timestamp.newBuilder().setSeconds(end.getEpochSecond()))
                  .setTimeZone(zone.getId())
                  .setDayBoundariesApproximate(
                      dimensions.contains(StatsDimension.STATS_DIMENSION_DAY) && offHourOffset(zone, start, end))
                  .build();
            });
  }

  private static Set<StatsDimension> dimensions(GetStatsRequest request) {
    Set<StatsDimension> dimensions = EnumSet.noneOf(StatsDimension.class);
    for (StatsDimension d : request.getGroupByList()) {
      if (d == StatsDimension.STATS_DIMENSION_UNSPECIFIED || d == StatsDimension.UNRECOGNIZED) {
        throw Identifiers.invalid("group_by", "group_by holds an unknown dimension");
      }
      if (!dimensions.add(d)) {
        throw Identifiers.invalid("group_by", "group_by names " + d + " twice");
      }
    }
    if (dimensions.contains(StatsDimension.STATS_DIMENSION_HOUR)
        && dimensions.contains(StatsDimension.STATS_DIMENSION_DAY)) {
      throw Identifiers.invalid("group_by", "group by HOUR or by DAY, not both");
    }
    return dimensions;
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
