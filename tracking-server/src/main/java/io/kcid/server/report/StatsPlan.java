package io.kcid.server.report;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.StatsDimension;
import io.kcid.proto.tracking.v1.StatsFilter;
import io.kcid.server.common.Identifiers;
import io.kcid.server.store.DetailDimension;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * What a GetStats request asks, validated: the dimensions grouped by, the filters, and the one
 * detail dimension (s1, creative, placement, s2 ... s10) it may name, in either.
 *
 * @param detail the detail dimension grouped by or filtered on, or null
 */
record StatsPlan(Set<StatsDimension> dimensions, Map<StatsDimension, String> filters, DetailDimension detail) {
  private static final Pattern HOUR_OF_DAY = Pattern.compile("([01][0-9]|2[0-3])");

  StatsPlan {
    dimensions = Set.copyOf(dimensions);
    filters = Map.copyOf(filters);
  }

  static StatsPlan of(GetStatsRequest request) {
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
    Map<StatsDimension, String> filters = new EnumMap<>(StatsDimension.class);
    for (StatsFilter f : request.getFiltersList()) {
      StatsDimension d = f.getDimension();
      if (d == StatsDimension.STATS_DIMENSION_UNSPECIFIED || d == StatsDimension.UNRECOGNIZED) {
        throw filterInvalid(d, "a filter names no known dimension");
      }
      if (filters.put(d, value(d, f.getValue())) != null) {
        throw filterInvalid(d, "filters name " + d + " twice: give one value per dimension");
      }
    }
    Set<DetailDimension> details = new TreeSet<>();
    dimensions.forEach(d -> DetailDimension.of(d).ifPresent(details::add));
    filters.keySet().forEach(d -> DetailDimension.of(d).ifPresent(details::add));
    if (details.size() > 1) {
      String names = String.join(",", details.stream().map(d -> d.dimension().name()).toList());
      throw new KcidException(ErrorReason.ERROR_REASON_STATS_DIMENSIONS_NOT_COMBINABLE,
          "a report names at most one of s1, creative, placement and s2 to s10 (in group_by and filters"
              + " together): they are counted per campaign and goal, not crossed; asked: " + names,
          Map.of("field", "group_by", "dimensions", names));
    }
    return new StatsPlan(dimensions, filters, details.isEmpty() ? null : details.iterator().next());
  }

  private static String value(StatsDimension d, String value) {
    switch (d) {
      case STATS_DIMENSION_HOUR -> {
        if (!HOUR_OF_DAY.matcher(value).matches()) {
          throw filterInvalid(d, "an HOUR filter is an hour of day, \"00\" to \"23\"");
        }
      }
      case STATS_DIMENSION_DAY -> {
        try {
          LocalDate.parse(value);
        } catch (DateTimeException e) {
          throw filterInvalid(d, "a DAY filter is a date such as 2025-11-25");
        }
      }
      case STATS_DIMENSION_ACCOUNT, STATS_DIMENSION_PARTNER, STATS_DIMENSION_CAMPAIGN, STATS_DIMENSION_GOAL -> {
        if (value.isEmpty()) {
          throw filterInvalid(d, "a " + d + " filter needs a value");
        }
        checkText(d, value);
      }
      default -> checkText(d, value);
    }
    return value;
  }

  private static void checkText(StatsDimension d, String value) {
    try {
      Identifiers.freeText("filters", value);
    } catch (KcidException e) {
      throw filterInvalid(d, "the " + d + " filter's value: " + e.getMessage());
    }
  }

  private static KcidException filterInvalid(StatsDimension d, String message) {
    return new KcidException(ErrorReason.ERROR_REASON_STATS_FILTER_INVALID, message,
        Map.of("field", "filters", "dimension", d.name()));
  }

  boolean groups(StatsDimension d) {
    return dimensions.contains(d);
  }

  Optional<String> filter(StatsDimension d) {
    return Optional.ofNullable(filters.get(d));
  }

  /** Whether grouped by the detail dimension. */
  boolean byDetail() {
    return detail != null && dimensions.contains(detail.dimension());
  }

  /** The hours the HOUR and DAY filters keep, in the report's zone. */
  Predicate<Instant> hours(ZoneId zone) {
    Optional<Integer> hour = filter(StatsDimension.STATS_DIMENSION_HOUR).map(Integer::parseInt);
    Optional<LocalDate> day = filter(StatsDimension.STATS_DIMENSION_DAY).map(LocalDate::parse);
    return t -> hour.map(h -> t.atZone(zone).getHour() == h).orElse(true)
        && day.map(d -> t.atZone(zone).toLocalDate().equals(d)).orElse(true);
  }

  /** Whether an account (of a partner) is among those the ACCOUNT and PARTNER filters keep. */
  boolean keeps(String accountId, String partnerId) {
    return filter(StatsDimension.STATS_DIMENSION_ACCOUNT).map(accountId::equals).orElse(true)
        && filter(StatsDimension.STATS_DIMENSION_PARTNER).map(partnerId::equals).orElse(true);
  }
}
