package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Destination;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Destinations of accounts and partners with their webhook signing secrets. The owner of a
 * destination is the one its record names ({@link DestinationOwner#of}). Implementations never
 * block the caller.
 */
public interface DestinationStore {

  /**
   * Stores a new destination and, for a webhook, its first signing secret ("" for none), in one
   * step; {@code false} when its owner already has a destination with this id.
   */
  CompletionStage<Boolean> create(Destination destination, String signingSecret);

  /** The destination, or empty. */
  CompletionStage<Optional<Destination>> load(DestinationOwner owner, String destinationId);

  /** Every destination of the owner, ordered by id. */
  CompletionStage<List<Destination>> list(DestinationOwner owner);

  /** Replaces an existing destination; {@code false} when there is none with its id. */
  CompletionStage<Boolean> update(Destination destination);

  /** Deletes the destination and its secrets; {@code false} when there was none. */
  CompletionStage<Boolean> delete(DestinationOwner owner, String destinationId);

  /**
   * Replaces the destination (its secret_rotate_time changed) and its signing secret in one step,
   * keeping the previous secret until {@code previousExpiry} (null: dropped at once);
   * {@code false} when there is no such destination.
   */
  CompletionStage<Boolean> rotateSecret(Destination destination, String newSecret, Instant previousExpiry);

  /** The signing secrets of every webhook destination of the owner, by destination id. */
  CompletionStage<Map<String, DestinationSecrets>> secrets(DestinationOwner owner);
}
