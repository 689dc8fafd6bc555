package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.server.store.StoredClick;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * The recorder's side of the delivery outbox: whether a conversion event of an account is written
 * to it (the account has destinations; answered from the directory's cache, at once when warm),
 * and a wake-up for the local delivery workers once an entry was written, so that an idle machine
 * delivers without waiting for its next poll. A new conversion's event is handed to those workers
 * as well ({@link RecentEvents}), so that they need not read it back.
 */
public final class Outbox {
  /** No destinations anywhere: nothing is ever written (tests and tools without delivery). */
  public static final Outbox NONE = new Outbox(null);

  private final DestinationDirectory directory;
  private volatile IntConsumer onWrite = partition -> {};
  /** Where new conversions' events go for the local delivery workers; none without them. */
  private volatile RecentEvents recent;

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

  /**
   * Called by the recorder after an acknowledged write that recorded a new conversion and appended
   * its entry to a partition's outbox: hands the event over, then wakes the workers.
   */
  public void recorded(int partition, Conversion conversion, StoredClick click) {
    handedOver(events -> events.put(conversion, click));
    written(partition);
  }

  /**
   * Called after an acknowledged write that changed a conversion (its status, its value): the event
   * handed over when it was recorded is forgotten, so that no delivery sends the old one; the
   * workers are woken when the write appended an outbox entry.
   */
  public void changed(int partition, String conversionId, boolean wroteEntry) {
    handedOver(events -> events.forgetConversion(conversionId));
    if (wroteEntry) {
      written(partition);
    }
  }

  /** Forgets the events handed over for a click (it was erased). */
  public void forgetClick(String kcid) {
    handedOver(events -> events.forgetClick(kcid));
  }

  /** Acts on the events handed over, when there are local workers to hand them to. */
  private void handedOver(Consumer<RecentEvents> action) {
    RecentEvents events = recent;
    if (events != null) {
      action.accept(events);
    }
  }

  /** Who is woken by {@link #written}: the local delivery workers, with the partition written to. */
  public void onWrite(IntConsumer listener) {
    this.onWrite = Objects.requireNonNull(listener, "listener");
  }

  /** Where {@link #recorded} hands new conversions' events: the local delivery workers' {@link RecentEvents}. */
  public void handOffTo(RecentEvents events) {
    this.recent = Objects.requireNonNull(events, "events");
  }
}
