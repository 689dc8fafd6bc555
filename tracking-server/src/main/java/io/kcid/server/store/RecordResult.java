package io.kcid.server.store;

/**
 * The outcome of {@link ConversionStore#record}.
 *
 * @param repeated the request id was seen before: this is the first call's answer, and nothing
 *     was written this time
 */
public record RecordResult(Code code, String conversionId, boolean repeated) {

  public RecordResult(Code code, String conversionId) {
    this(code, conversionId, false);
  }

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
