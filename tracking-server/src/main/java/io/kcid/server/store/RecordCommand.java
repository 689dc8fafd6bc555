package io.kcid.server.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Everything the atomic record step needs.
 *
 * @param requiredAccountId the click must belong to this account; empty accepts any
 * @param requestId idempotency key; empty when the caller sent none
 * @param fingerprint digest of the request's payload, to spot a request id reused for another
 * @param payload the conversion's immutable part (id, status and value are stored beside it)
 * @param allowedCampaigns campaigns the goal counts; empty counts all
 * @param requestedStatus the status the postback named, UNSPECIFIED when none
 * @param newStatus the status of a new conversion
 * @param transitionSources statuses a known transaction may move from to {@code requestedStatus}
 * @param eventTime when the conversion happened: its stats hour
 * @param timeToConvertBucket the stats bucket of its click-to-conversion time
 * @param flaggedStatus the status of a new conversion whose click was flagged (a bot, a data
 *     centre); UNSPECIFIED keeps {@code newStatus}
 * @param outbox the account has delivery destinations: the record (or status change) writes an
 *     outbox entry in the same atomic step
 */
public record RecordCommand(
    DecodedKcid kcid,
    String requiredAccountId,
    String goalKey,
    CountingMode countingMode,
    String transactionId,
    String requestId,
    String fingerprint,
    byte[] payload,
    Money value,
    ConversionStatus requestedStatus,
    ConversionStatus newStatus,
    Set<ConversionStatus> transitionSources,
    List<String> allowedCampaigns,
    boolean test,
    Instant recordTime,
    Duration conversionTtl,
    Duration requestIdTtl,
    Instant eventTime,
    int timeToConvertBucket,
    ConversionStatus flaggedStatus,
    boolean outbox) {

  /** A command under which a flagged click changes nothing but the conversion's reason, and no outbox entry. */
  public RecordCommand(
      DecodedKcid kcid, String requiredAccountId, String goalKey, CountingMode countingMode,
      String transactionId, String requestId, String fingerprint, byte[] payload, Money value,
      ConversionStatus requestedStatus, ConversionStatus newStatus, Set<ConversionStatus> transitionSources,
      List<String> allowedCampaigns, boolean test, Instant recordTime, Duration conversionTtl,
      Duration requestIdTtl, Instant eventTime, int timeToConvertBucket) {
    this(kcid, requiredAccountId, goalKey, countingMode, transactionId, requestId, fingerprint, payload, value,
        requestedStatus, newStatus, transitionSources, allowedCampaigns, test, recordTime, conversionTtl,
        requestIdTtl, eventTime, timeToConvertBucket, ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, false);
  }

  /** A command with a fraud rule's status for a flagged click, and no outbox entry. */
  public RecordCommand(
      DecodedKcid kcid, String requiredAccountId, String goalKey, CountingMode countingMode,
      String transactionId, String requestId, String fingerprint, byte[] payload, Money value,
      ConversionStatus requestedStatus, ConversionStatus newStatus, Set<ConversionStatus> transitionSources,
      List<String> allowedCampaigns, boolean test, Instant recordTime, Duration conversionTtl,
      Duration requestIdTtl, Instant eventTime, int timeToConvertBucket, ConversionStatus flaggedStatus) {
    this(kcid, requiredAccountId, goalKey, countingMode, transactionId, requestId, fingerprint, payload, value,
        requestedStatus, newStatus, transitionSources, allowedCampaigns, test, recordTime, conversionTtl,
        requestIdTtl, eventTime, timeToConvertBucket, flaggedStatus, false);
  }

  /** This command with another payload and new status (a rule's verdict, reporting-currency fields). */
  public RecordCommand withPayload(byte[] changedPayload, ConversionStatus changedStatus) {
    return new RecordCommand(kcid, requiredAccountId, goalKey, countingMode, transactionId, requestId,
        fingerprint, changedPayload, value, requestedStatus, changedStatus, transitionSources, allowedCampaigns, test,
        recordTime, conversionTtl, requestIdTtl, eventTime, timeToConvertBucket, flaggedStatus, outbox);
  }

  /** This command, writing an outbox entry or not. */
  public RecordCommand withOutbox(boolean write) {
    return new RecordCommand(kcid, requiredAccountId, goalKey, countingMode, transactionId, requestId,
        fingerprint, payload, value, requestedStatus, newStatus, transitionSources, allowedCampaigns, test,
        recordTime, conversionTtl, requestIdTtl, eventTime, timeToConvertBucket, flaggedStatus, write);
  }

  /**
   * The new conversion this command recorded, as a read of it answers until something changes it:
   * the payload with its id, kcid, status (a flagged click's, with its reason) and value.
   *
   * @param result this command's accepted result
   */
  public Conversion recordedConversion(RecordResult result) {
    Conversion.Builder c;
    try {
      c = Conversion.parseFrom(payload).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("The command's own payload does not parse", e);
    }
    c.setConversionId(result.conversionId()).setKcid(kcid.kcid())
        .setStatus(result.flagged() != null ? result.flagged().status() : newStatus);
    if (result.flagged() != null) {
      c.setStatusReason(result.flagged().reason());
    }
    if (!value.getAmount().isEmpty()) {
      c.setValue(Money.newBuilder().setAmount(value.getAmount()).setCurrencyCode(value.getCurrencyCode()));
    }
    return c.build();
  }
}
