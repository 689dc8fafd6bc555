package io.kcid.server.store;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a report reads: the account's counters of the UTC hours in [{@code fromHour}, {@code
 * toHour}) that {@code hours} keeps, summed per report period and reduced to the dimensions
 * grouped by.
 *
 * @param periodOf the start of the report period an hour belongs to (its hour, its local day), or
 *     null when the report is not grouped by time
 * @param detail the detail dimension read: {@link DetailDimension#SUB_ID_1} reads the stats hash
 *     (every click and conversion), another reads the dimension hash (only those that have the
 *     dimension); a counter's {@link StatsCounter#detail()} holds its value
 * @param byDetail keep the detail value (else counters come back with "")
 * @param campaign only this campaign's counters, when present
 * @param detailValue only counters of this detail value, when present
 * @param goal only this goal's conversions, when present (clicks have no goal and stay)
 */
public record StatsQuery(
    String accountId,
    Instant fromHour,
    Instant toHour,
    Function<Instant, Instant> periodOf,
    boolean byCampaign,
    boolean byDetail,
    boolean byGoal,
    DetailDimension detail,
    Optional<String> campaign,
    Optional<String> detailValue,
    Optional<String> goal,
    Predicate<Instant> hours) {

  /** The stats hash, every hour, no filter: grouped by campaign, s1 and goal as asked. */
  public StatsQuery(
      String accountId, Instant fromHour, Instant toHour, Function<Instant, Instant> periodOf,
      boolean byCampaign, boolean bySubId1, boolean byGoal) {
    this(accountId, fromHour, toHour, periodOf, byCampaign, bySubId1, byGoal, DetailDimension.SUB_ID_1,
        Optional.empty(), Optional.empty(), Optional.empty(), hour -> true);
  }

  /** The same query on another detail dimension, kept or not, filtered to a value or not. */
  public StatsQuery on(DetailDimension dimension, boolean keep, Optional<String> value) {
    return new StatsQuery(accountId, fromHour, toHour, periodOf, byCampaign, keep, byGoal, dimension,
        campaign, value, goal, hours);
  }
}
