package io.kcid.server.store;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.Money;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;

/**
 * A status (and optional value) change of one conversion.
 *
 * @param newValue the adjusted value, or the default instance to keep the current one
 * @param allowedSources statuses the conversion may be in for the change to apply
 * @param accountId the conversion's account and {@code goalKey} its goal, for the change's event
 * @param outbox the account has delivery destinations: a status change writes an outbox entry in
 *     the same atomic step
 */
public record StatusUpdate(
    DecodedKcid kcid,
    long sequence,
    ConversionStatus newStatus,
    Set<ConversionStatus> allowedSources,
    String reason,
    Money newValue,
    Instant time,
    String requestId,
    String fingerprint,
    Duration requestIdTtl,
    String accountId,
    String goalKey,
    boolean outbox) {

  /** An update that writes no outbox entry. */
  public StatusUpdate(
      DecodedKcid kcid, long sequence, ConversionStatus newStatus, Set<ConversionStatus> allowedSources,
      String reason, Money newValue, Instant time, String requestId, String fingerprint,
      Duration requestIdTtl, String accountId, String goalKey) {
    this(kcid, sequence, newStatus, allowedSources, reason, newValue, time, requestId, fingerprint,
        requestIdTtl, accountId, goalKey, false);
  }

  /** This update, writing an outbox entry or not. */
  public StatusUpdate withOutbox(boolean write) {
    return new StatusUpdate(kcid, sequence, newStatus, allowedSources, reason, newValue, time, requestId,
        fingerprint, requestIdTtl, accountId, goalKey, write);
  }

  /** What the atomic update decided. */
  public enum Result {
    UPDATED,
    NOT_FOUND,
    INVALID_TRANSITION,
    REQUEST_ID_REUSED
  }
}
