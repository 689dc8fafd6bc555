package io.kcid.server.store;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Stats counters, maintained by the click and conversion writes themselves (in the same atomic
 * step) per account, UTC hour, campaign, sub id s1 and goal. Implementations never block.
 */
public interface StatsStore {

  /**
   * The counters of the query's hours, summed per period and kept dimensions (dropped ones are
   * empty). The same counter may come back in several parts; callers add them up.
   */
  CompletionStage<List<StatsCounter>> read(StatsQuery query);
}
