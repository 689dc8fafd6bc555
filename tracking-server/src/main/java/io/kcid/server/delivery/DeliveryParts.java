package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The replaceable ends of delivery the server wires: where destinations come from and how an
 * attempt is sent. Production uses the stored directory and the HTTP sender; tests put a
 * recording sender or a fixed directory in their place.
 *
 * @param directory the directory (null: the default)
 * @param sender the sender (null: the default)
 */
public record DeliveryParts(DestinationDirectory directory, DeliverySender sender) {
  /** Everything default. */
  public static final DeliveryParts DEFAULTS = new DeliveryParts(null, null);

  /** A directory without any destination: nothing is ever written to the outbox. */
  public static final DestinationDirectory NO_DESTINATIONS = new DestinationDirectory() {
    @Override
    public CompletionStage<List<ActiveDestination>> forAccount(String accountId) {
      return CompletableFuture.completedFuture(List.of());
    }

    @Override
    public CompletionStage<Boolean> hasDestinations(String accountId) {
      return CompletableFuture.completedFuture(false);
    }

    @Override
    public CompletionStage<Void> markCircuit(Destination destination, boolean open, String reason) {
      return CompletableFuture.completedFuture(null);
    }
  };
}
