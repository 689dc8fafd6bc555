package io.kcid.server.delivery;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntConsumer;

/**
 * The recorder's side of the delivery outbox: whether a conversion event of an account is written
 * to it (the account has destinations; answered from the directory's cache, at once when warm),
 * and a wake-up for the local delivery workers once an entry was written, so that an idle machine
 * delivers without waiting for its next poll.
 */
public final class Outbox {
  /** No destinations anywhere: nothing is ever written (tests and tools without delivery). */
  public static final Outbox NONE = new Outbox(null);

  private final DestinationDirectory directory;
  private volatile IntConsumer onWrite = partition -> {};

  private Outbox(DestinationDirectory directory) {
    this.directory = directory;
  }

  public static Outbox of(DestinationDirectory directory) {
    return new Outbox(Objects.requireNonNull(directory, "directory"));
  }

  /** Whether events of the account go to the outbox. */
  public CompletionStage<Boolean> wanted(String accountId) {
    return directory == null ? CompletableFuture.completedFuture(false) : directory.hasDestinations(accountId);
  }

  /** Called by the recorder after an acknowledged write that appended an entry to a partition's outbox. */
  public void written(int partition) {
    onWrite.accept(partition);
  }

  /** Who is woken by {@link #written}: the local delivery workers, with the partition written to. */
  public void onWrite(IntConsumer listener) {
    this.onWrite = Objects.requireNonNull(listener, "listener");
  }
}
