package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.util.List;
import java.util.Objects;

/**
 * A destination as the delivery workers see it: its configuration and the webhook secrets that
 * sign now (current first, then a rotated one in its grace period; empty for postbacks).
 */
public record ActiveDestination(Destination destination, List<String> signingSecrets) {
  public ActiveDestination {
    Objects.requireNonNull(destination, "destination");
    signingSecrets = List.copyOf(signingSecrets);
  }

  @Override
  public String toString() {
    return "ActiveDestination[" + destination.getDestinationId() + "]";
  }
}
