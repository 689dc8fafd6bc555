package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.util.List;
import java.util.Objects;

/**
 * One attempt's input, everything resolved: the job's stable id, the destination as configured
 * now, the webhook secrets that sign (current first, then a rotated one still in its grace
 * period; empty for postbacks) and the event.
 */
public record OutboundMessage(
    String deliveryId, Destination destination, List<String> signingSecrets, OutboundEvent event) {
  public OutboundMessage {
    Objects.requireNonNull(deliveryId, "deliveryId");
    Objects.requireNonNull(destination, "destination");
    signingSecrets = List.copyOf(signingSecrets);
    Objects.requireNonNull(event, "event");
  }

  @Override
  public String toString() {
    // Never print the secrets.
    return "OutboundMessage[" + deliveryId + " -> " + destination.getDestinationId() + "]";
  }
}
