package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import java.time.Instant;
import java.util.Objects;

/**
 * One conversion event to send onward, resolved from the outbox entry: the conversion as it
 * stands, the click it belongs to ({@code null} when the click has expired or was deleted: its
 * macros render empty) and what happened.
 *
 * @param accountId the conversion's account
 * @param partnerId the account's partner
 * @param trigger what happened (recorded, or a status change)
 * @param conversion the conversion (status and value as of the event)
 * @param click the click, or null
 * @param eventTime when the event was recorded
 */
public record OutboundEvent(
    String accountId,
    String partnerId,
    DeliveryTrigger trigger,
    Conversion conversion,
    Click click,
    Instant eventTime) {
  public OutboundEvent {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(partnerId, "partnerId");
    Objects.requireNonNull(trigger, "trigger");
    Objects.requireNonNull(conversion, "conversion");
    Objects.requireNonNull(eventTime, "eventTime");
  }
}
