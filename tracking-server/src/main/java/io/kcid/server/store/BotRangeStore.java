package io.kcid.server.store;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/** The operator's IP lists (bots, data centres): canonical CIDR ranges per kind ("bot", "datacenter"). */
public interface BotRangeStore {

  /** Adds ranges to a list; returns how many were not listed yet. */
  CompletionStage<Long> add(String kind, Collection<String> cidrs);

  /** Every range of a list. */
  CompletionStage<Set<String>> list(String kind);

  /** Empties a list; returns how many ranges it held. */
  CompletionStage<Long> clear(String kind);

  /** A number that changes whenever a list changes (0 before any change): cheap to poll. */
  CompletionStage<Long> version();
}
