package io.kcid.server.store;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Click;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/** Where clicks live. Implementations never block the calling thread. */
public interface ClickStore {

  /**
   * Stores a new click for {@code ttl}. Completes with {@code false} when a click with this kcid
   * already exists (a random collision): the existing click is never overwritten.
   */
  CompletionStage<Boolean> insert(DecodedKcid kcid, String accountId, Click click, Duration ttl);

  /**
   * The partition to mint a new click's kcid in, among {@code 0..partitions-1}: uniform over time,
   * but a store that groups concurrent inserts per partition may steer a busy moment's clicks
   * into a few partitions so that they are written together.
   */
  default int partitionForNewClick(int partitions) {
    return ThreadLocalRandom.current().nextInt(partitions);
  }

  /**
   * Stores a click under a kcid the caller minted (an edge that redirected it during an outage),
   * unless that kcid is already stored. Never overwrites: a replay of the same click is {@link
   * PreMintedInsert#ALREADY_STORED}, another click under that kcid {@link PreMintedInsert#CONFLICT}.
   */
  CompletionStage<PreMintedInsert> insertPreMinted(
      DecodedKcid kcid, String accountId, Click click, Duration ttl);

  /** What {@link #insertPreMinted} did. */
  enum PreMintedInsert {
    /** The click is new and now stored. */
    INSERTED,
    /** The same click (same owner and fields, whatever its expiry) was already stored. */
    ALREADY_STORED,
    /** Another click is stored under this kcid; nothing was written. */
    CONFLICT
  }

  /** The stored click, or empty when it never existed or has expired. */
  CompletionStage<Optional<StoredClick>> find(DecodedKcid kcid);

  /**
   * Deletes the click and everything stored under it in its partition (conversions, histories,
   * dedupe state, request-id replies), atomically. Empty when nothing was stored.
   *
   * <p>The stats counters the click and its conversions were counted in are deliberately kept: the
   * deletion is a privacy erasure of what identifies one click, and a counter (account x hour x
   * campaign x sub id s1 x goal x status) identifies none. The click and its conversions did happen
   * and were reported (and billed) as such; an erasure rewriting past reports would make them
   * disagree with what was already exported from them. Reversing could also not be exact: the
   * click's hour may be past the stats retention, its hash gone, and a decrement would recreate it.
   */
  CompletionStage<Optional<ClickErasure>> delete(DecodedKcid kcid);
}
