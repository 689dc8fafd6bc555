package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;

/**
 * The outcome of {@link ConversionStore#record}.
 *
 * @param repeated the request id was seen before: this is the first call's answer, and nothing
 *     was written this time
 * @param flagged for a new conversion on a flagged click: the status it was recorded in and why;
 *     null otherwise
 * @param recordedClick for a new conversion whose command wrote an outbox entry: the click as the
 *     atomic step read it (the recorder hands the event to its local delivery workers, which then
 *     need not read it back); null otherwise
 */
public record RecordResult(Code code, String conversionId, boolean repeated, Flagged flagged,
    StoredClick recordedClick) {

  public RecordResult(Code code, String conversionId) {
    this(code, conversionId, false);
  }

  public RecordResult(Code code, String conversionId, boolean repeated) {
    this(code, conversionId, repeated, null);
  }

  public RecordResult(Code code, String conversionId, boolean repeated, Flagged flagged) {
    this(code, conversionId, repeated, flagged, null);
  }

  /** The status a conversion on a flagged click was recorded in, and the flag's reason. */
  public record Flagged(ConversionStatus status, ErrorReason reason) {}

  /** What the atomic step decided. */
  public enum Code {
    ACCEPTED,
    /** The goal counts once per click and already has a conversion. */
    DUPLICATE_GOAL,
    /** The goal counts once per transaction id and this one is known. */
    DUPLICATE_TRANSACTION,
    /** The postback moved a known transaction's conversion to the status it named. */
    STATUS_CHANGED,
    /** The postback named a status the known transaction's conversion cannot move to. */
    INVALID_TRANSITION,
    CLICK_NOT_FOUND,
    ACCOUNT_MISMATCH,
    /** The click's campaign is not one the goal counts. */
    CAMPAIGN_MISMATCH,
    /** The request id was used before with another payload. */
    REQUEST_ID_REUSED
  }
}
