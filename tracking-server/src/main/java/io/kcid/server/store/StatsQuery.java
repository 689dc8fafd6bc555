package io.kcid.server.store;

import java.time.Instant;
import java.util.function.Function;

/**
 * What a report reads: the account's counters of the UTC hours in [{@code fromHour}, {@code
 * toHour}), summed per report period and reduced to the dimensions grouped by.
 *
 * @param periodOf the start of the report period an hour belongs to (its hour, its local day), or
 *     null when the report is not grouped by time
 */
public record StatsQuery(
    String accountId,
    Instant fromHour,
    Instant toHour,
    Function<Instant, Instant> periodOf,
    boolean byCampaign,
    boolean bySubId1,
    boolean byGoal) {}
