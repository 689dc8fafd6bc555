package io.kcid.server.conversion;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.server.store.RecordCommand;
import java.time.Duration;
import java.time.Instant;

/**
 * What {@link ConversionRules} decided to record for one postback, before any store is asked.
 *
 * @param goal the goal the postback counts for (the requested one, or the account's default)
 * @param mode the goal's counting mode, UNSPECIFIED resolved to once per click
 * @param command the atomic write: dedupe keys, status, value, event time and expiries
 * @param recorded the conversion as the response shows it, without its id and kcid
 * @param retention how long the click (and so the conversion) is kept
 * @param now the instant the decision was taken at (the record time)
 */
public record RecordPlan(
    Goal goal, CountingMode mode, RecordCommand command, Conversion recorded, Duration retention, Instant now) {

  /** The goal counts a transaction once per account: it must be claimed outside the click's partition. */
  public boolean claimsAccountWide() {
    return mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT;
  }

  /** This plan, its command writing an outbox entry or not. */
  public RecordPlan withOutbox(boolean write) {
    return new RecordPlan(goal, mode, command.withOutbox(write), recorded, retention, now);
  }

  /** How long an account-wide transaction claim lives: as long as a request id is remembered. */
  public Duration claimTtl() {
    return command.requestIdTtl();
  }
}
