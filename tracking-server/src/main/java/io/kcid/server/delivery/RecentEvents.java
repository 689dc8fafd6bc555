package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.server.store.StoredClick;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * New conversions this process recorded a moment ago, with their clicks: the recorder hands each
 * one here, so that the delivery sent at once (the local workers dispatch the outbox entry within
 * milliseconds) need not read back from Redis what was just written there - two reads per
 * delivery, the conversion and its click. Kept for {@link #KEEP} and at most {@link #CAPACITY}
 * of them; a job started later, on another process, for a status change or for a retry reads its
 * event as before. A conversion changed through this process, and every conversion of a click
 * erased through it, is forgotten (an erased click's conversions are refused for {@link #KEEP}
 * after, so that a recording that answered just before the erasure cannot put them back). Erased
 * or changed through another process, an event handed off here can still be sent within
 * {@link #KEEP}, as one read back just before the erasure or the change can.
 */
public final class RecentEvents {
  /** How long a handed-off event is used. */
  static final Duration KEEP = Duration.ofSeconds(5);
  /** Events held at most: a burst beyond it is read back. */
  static final int CAPACITY = 16_384;

  /** A conversion as recorded, and its click. */
  public record Recorded(Conversion conversion, StoredClick click) {}

  private record Held(Recorded recorded, long atNanos) {}

  private final Map<String, Held> byConversion = new ConcurrentHashMap<>();
  /** Conversion ids oldest first, for expiry; guarded by itself. */
  private final ArrayDeque<String> order = new ArrayDeque<>();
  /** Clicks erased less than {@link #KEEP} ago (kcid to when): their conversions are not held. */
  private final Map<String, Long> erased = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  public RecentEvents(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  public static RecentEvents systemClock() {
    return new RecentEvents(System::nanoTime);
  }

  /** Holds a conversion just recorded (its id and kcid set) and its click. */
  public void put(Conversion conversion, StoredClick click) {
    long now = nanoTime.getAsLong();
    synchronized (order) {
      expire(now);
      if (byConversion.size() >= CAPACITY || erased.containsKey(conversion.getKcid())) {
        return;
      }
      byConversion.put(conversion.getConversionId(), new Held(new Recorded(conversion, click), now));
      order.add(conversion.getConversionId());
    }
  }

  /** The conversion recorded under this id less than {@link #KEEP} ago, with its click. */
  public Optional<Recorded> get(String conversionId) {
    Held held = byConversion.get(conversionId);
    if (held == null) {
      return Optional.empty();
    }
    if (nanoTime.getAsLong() - held.atNanos() > KEEP.toNanos()) {
      byConversion.remove(conversionId, held);
      return Optional.empty();
    }
    return Optional.of(held.recorded());
  }

  /** Forgets a conversion (it changed: its status, its value). */
  public void forgetConversion(String conversionId) {
    byConversion.remove(conversionId);
  }

  /** Forgets every event of a click (it was erased), and refuses its conversions for {@link #KEEP}. */
  public void forgetClick(String kcid) {
    synchronized (order) {
      erased.put(kcid, nanoTime.getAsLong());
      String prefix = kcid + "-";
      byConversion.keySet().removeIf(id -> id.startsWith(prefix));
    }
  }

  /** Drops what is past {@link #KEEP} now (the delivery loop calls this on every pass). */
  public void expire() {
    long now = nanoTime.getAsLong();
    synchronized (order) {
      expire(now);
    }
  }

  /** Events held now (expired ones may still count until the next {@link #expire}). */
  int size() {
    return byConversion.size();
  }

  private void expire(long now) {
    for (String id = order.peek(); id != null; id = order.peek()) {
      Held held = byConversion.get(id);
      if (held != null && now - held.atNanos() <= KEEP.toNanos()) {
        break;
      }
      order.poll();
      if (held != null) {
        byConversion.remove(id, held);
      }
    }
    if (!erased.isEmpty()) {
      erased.values().removeIf(at -> now - at > KEEP.toNanos());
    }
  }
}
