package io.kcid.server.store;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/** Conversions per account and click network within a sliding window, each counted once. */
public interface VelocityCounter {

  /**
   * Counts {@code member} (a conversion's identity) in the window of the account's network unless
   * it is counted already; returns how many distinct conversions the window now holds.
   */
  CompletionStage<Long> count(String accountId, int networkDigest, String member, Instant now, Duration window);
}
