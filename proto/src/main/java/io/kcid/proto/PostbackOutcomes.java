package io.kcid.proto;

import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import java.util.Locale;

/**
 * How a postback log entry's outcome reads for people — the CLI's tables and the edge's web view
 * say the same words. A duplicate says what met it: {@code duplicate (replay)} for a replay
 * ({@code replay_of} set) that found the conversion already recorded — by an earlier replay of the
 * same entry or by another postback — and {@code duplicate (retry)} for a postback whose request id
 * was seen before ({@code repeated_request}): the sender got the first call's answer again and
 * nothing new was written.
 */
public final class PostbackOutcomes {
  private static final String PREFIX = "POSTBACK_OUTCOME_";

  private PostbackOutcomes() {}

  /** {@code accepted}, {@code duplicate}, {@code rejected} or {@code unknown}. */
  public static String name(PostbackOutcome outcome) {
    String name = outcome.name();
    return (name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The entry's outcome as it happened. Servers before kcid logged a repeated request as a
   * duplicate recorded it with the first call's answer ({@code accepted}) although nothing was
   * written; such entries read as the duplicates they were.
   */
  public static PostbackOutcome outcome(PostbackLogEntry entry) {
    if (entry.getRepeatedRequest() && entry.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED) {
      return PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE;
    }
    return entry.getOutcome();
  }

  /** Whether the entry is a replay that met a duplicate. */
  public static boolean duplicateReplay(PostbackLogEntry entry) {
    return outcome(entry) == PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE && !entry.getReplayOf().isEmpty();
  }

  /** Whether the entry is a sender's retry (same request id) answered with the first call's answer. */
  public static boolean duplicateRetry(PostbackLogEntry entry) {
    return outcome(entry) == PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE && entry.getReplayOf().isEmpty()
        && entry.getRepeatedRequest();
  }

  /**
   * {@code accepted}, {@code duplicate}, {@code duplicate (replay)}, {@code duplicate (retry)},
   * {@code rejected} or {@code unknown}.
   */
  public static String label(PostbackLogEntry entry) {
    String name = name(outcome(entry));
    if (duplicateReplay(entry)) {
      return name + " (replay)";
    }
    if (duplicateRetry(entry)) {
      return name + " (retry)";
    }
    return name;
  }
}
