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

  /** The stored click, or empty when it never existed or has expired. */
  CompletionStage<Optional<StoredClick>> find(DecodedKcid kcid);

  /**
   * Deletes the click and everything stored under it in its partition (conversions, histories,
   * dedupe state, request-id replies), atomically. Empty when nothing was stored.
   */
  CompletionStage<Optional<ClickErasure>> delete(DecodedKcid kcid);
}
