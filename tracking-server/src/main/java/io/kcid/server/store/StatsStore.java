package io.kcid.server.store;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Stats counters, maintained by the click and conversion writes themselves (in the same atomic
 * step), read here by hour. Implementations never block the caller.
 */
public interface StatsStore {

  /** Every counter of the account for the UTC hours in [{@code fromHour}, {@code toHour}). */
  CompletionStage<List<StatsCounter>> read(String accountId, Instant fromHour, Instant toHour);
}
