package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import java.time.Instant;

/**
 * One entry of a partition's delivery outbox: a conversion event of an account with destinations,
 * written by the script that recorded the event.
 *
 * @param entryId the stream entry id (its time part is when the event was written)
 * @param trigger what happened: recorded, or a status change
 * @param status the conversion's status the event carries
 * @param time the event's time
 */
public record OutboxEntry(
    int partition,
    String entryId,
    DeliveryTrigger trigger,
    String conversionId,
    String accountId,
    String goalKey,
    ConversionStatus status,
    Instant time) {

  /** When the entry was written: the time part of its id. */
  public Instant written() {
    int dash = entryId.indexOf('-');
    return Instant.ofEpochMilli(Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash)));
  }
}
