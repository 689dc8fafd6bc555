package io.kcid.server.report;

import io.kcid.server.store.DetailDimension;
import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsQuery;
import io.kcid.server.store.StatsStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads the counters of a report on a detail dimension. The dimension hash counts only clicks
 * (and their conversions) that have the dimension, so the ones without it — the row with an empty
 * value — are derived exactly: the stats hash's counters minus every value's counters.
 */
final class DetailCounters {
  private final StatsStore stats;

  DetailCounters(StatsStore stats) {
    this.stats = stats;
  }

  /**
   * @param base the query without detail (stats hash, s1 dropped), its other filters set
   * @param detail the report's detail dimension, or null
   * @param byDetail whether rows are grouped by it
   * @param filter the detail value asked for, when filtered
   */
  CompletionStage<List<StatsCounter>> read(
      StatsQuery base, DetailDimension detail, boolean byDetail, Optional<String> filter) {
    if (detail == null) {
      return stats.read(base);
    }
    if (detail.inStatsHash() || filter.filter(v -> !v.isEmpty()).isPresent()) {
      return stats.read(base.on(detail, byDetail, filter));
    }
    // Without a filter, or asking for the clicks without the dimension: stats hash minus the
    // dimension's counters (kept as its own rows when grouped by it and not filtered).
    boolean keep = byDetail && filter.isEmpty();
    CompletableFuture<List<StatsCounter>> all = stats.read(base).toCompletableFuture();
    CompletableFuture<List<StatsCounter>> some =
        stats.read(base.on(detail, keep, Optional.empty())).toCompletableFuture();
    return all.thenCombine(some, (total, withValue) -> {
      List<StatsCounter> counters = new ArrayList<>(total.size() + 2 * withValue.size());
      counters.addAll(total);
      for (StatsCounter c : withValue) {
        if (keep) {
          counters.add(c);
        }
        counters.add(new StatsCounter(c.period(), c.metric(), c.campaignId(), "", c.goalKey(), c.status(),
            c.currency(), c.bucket(), Math.negateExact(c.value())));
      }
      return counters;
    });
  }
}
