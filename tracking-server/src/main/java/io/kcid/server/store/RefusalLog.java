package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Unauthenticated refusals, kept apart from the postback log so that what anyone can send never
 * evicts what an account's advertiser really sent: per account a small, separately capped sample
 * of the refused postbacks, and per account (and for the unattributed log) hourly counts by
 * reason. Implementations never block the caller.
 */
public interface RefusalLog {
  /** Entries kept per account's sample, whatever their age (approximate). */
  long MAX_LENGTH = 1000;

  /** Appends a sampled refusal to the account's sample (never for the unattributed log). */
  CompletionStage<String> append(String accountId, PostbackLogEntry entry, Instant now);

  /** As {@link PostbackLog#scanBackward}, over the account's sample. */
  CompletionStage<PostbackLog.Scan> scanBackward(
      String accountId, Instant start, Instant end, Optional<String> beforeId, int count);

  /**
   * Adds counts to the hour {@code hour} of a log's counters ({@link PostbackLog#UNATTRIBUTED} for
   * the unattributed log).
   *
   * @param trim also drop counters older than the retention (costs a scan of the counters)
   */
  CompletionStage<Void> add(String accountId, Instant hour, Map<ErrorReason, Long> counts, boolean trim, Instant now);

  /** The counts of the hours that overlap [start, end), summed by reason. */
  CompletionStage<Map<ErrorReason, Long>> counts(String accountId, Instant start, Instant end);
}
