package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapChange;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** An account's conversion caps and the audit of their changes, under the account's hash tag. */
public interface CapStore {
  /** The account's caps, ordered by cap id. */
  CompletionStage<List<ConversionCap>> list(String accountId);

  CompletionStage<Optional<ConversionCap>> find(String accountId, String capId);

  /**
   * Replaces the cap {@code change.before} (absent: none) with {@code change.after} (absent:
   * deletes it and its counters) and appends {@code change} to the audit, in one step. False when
   * the cap is no longer {@code change.before} (a concurrent change won): read again and retry.
   */
  CompletionStage<Boolean> change(String accountId, ConversionCapChange change);

  /** The latest changes, newest first. */
  CompletionStage<List<ConversionCapChange>> changes(String accountId, int limit);
}
