package io.kcid.server.conversion;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.server.store.RecordCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

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

  /**
   * This plan with a fraud rule's verdict: the new conversion carries {@code reason} and, unless
   * {@code status} is UNSPECIFIED (accept), is recorded in {@code status}.
   */
  public RecordPlan suspected(ConversionStatus status, ErrorReason reason) {
    RecordCommand c = command;
    ConversionStatus newStatus = status == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED ? c.newStatus() : status;
    byte[] payload;
    try {
      payload = Conversion.parseFrom(c.payload()).toBuilder().setStatusReason(reason).build().toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a payload this server serialized", e);
    }
    return new RecordPlan(goal, mode, c.withPayload(payload, newStatus),
        recorded.toBuilder().setStatus(newStatus).setStatusReason(reason).build(), retention, now);
  }

  /**
   * This plan with a new conversion's reporting-currency fields ({@code fx}: converted_value,
   * fx_rate, fx_rate_date, fx_state), stored in its payload: the rate travels with the conversion.
   */
  public RecordPlan withFx(Conversion fx) {
    if (fx.equals(Conversion.getDefaultInstance())) {
      return this;
    }
    RecordCommand c = command;
    // Serialized protobufs concatenate as a merge: the payload gains the fields.
    byte[] payload = Arrays.copyOf(c.payload(), c.payload().length + fx.getSerializedSize());
    System.arraycopy(fx.toByteArray(), 0, payload, c.payload().length, fx.getSerializedSize());
    return new RecordPlan(goal, mode, c.withPayload(payload, c.newStatus()),
        recorded.toBuilder().mergeFrom(fx).build(), retention, now);
  }
}
