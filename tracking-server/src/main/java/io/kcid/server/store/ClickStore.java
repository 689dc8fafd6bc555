package io.kcid.server.store;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Click;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Where clicks live. Implementations never block the calling thread. */
public interface ClickStore {

  /**
   * Stores a new click for {@code ttl}. Completes with {@code false} when a click with this kcid
   * already exists (a random collision): the existing click is never overwritten.
   */
  CompletionStage<Boolean> insert(DecodedKcid kcid, String accountId, Click click, Duration ttl);

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
   */
  CompletionStage<Optional<ClickErasure>> delete(DecodedKcid kcid);
}
