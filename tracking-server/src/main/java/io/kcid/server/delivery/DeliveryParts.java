package io.kcid.server.delivery;

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
}
