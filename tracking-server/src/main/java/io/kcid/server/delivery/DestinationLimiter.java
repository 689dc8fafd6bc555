package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.Destination;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Per-destination limits of this server process: requests in flight (Destination.max_concurrency,
 * else KCID_DELIVERY_CONCURRENCY) and requests per second (Destination.max_requests_per_second, a
 * token bucket holding one second's worth; 0 = unlimited). {@link #tryAcquire} never blocks: it
 * hands out a {@link Permit} or says how long to wait, so a slow receiver only holds its own
 * permits and never a thread another destination needs.
 */
public final class DestinationLimiter {
  /** How soon to look again when every concurrency permit is taken (a permit's release is not timed). */
  public static final Duration BUSY_RETRY = Duration.ofMillis(100);

  /** The answer of {@link #tryAcquire}: a permit, or the time to wait before asking again. */
  public sealed interface Acquisition permits Granted, Denied {}

  /** A permit to send one request; release it (once) when the attempt has ended. */
  public record Granted(Permit permit) implements Acquisition {}

  /**
   * No permit now.
   *
   * @param retryIn when to ask again
   * @param rateLimited true when the request rate (not the concurrency) is exhausted
   */
  public record Denied(Duration retryIn, boolean rateLimited) implements Acquisition {}

  /** One request's permit; {@link #close} releases it, a second call does nothing. */
  public static final class Permit implements AutoCloseable {
    private final Bucket bucket;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(Bucket bucket) {
      this.bucket = bucket;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        bucket.release();
      }
    }
  }

  private static final class Bucket {
    int inFlight;
    double tokens = -1; // < 0: not yet filled
    long refilledAt;

    synchronized void release() {
      inFlight--;
    }
  }

  private final int defaultConcurrency;
  private final LongSupplier nanoTime;
  private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param defaultConcurrency KCID_DELIVERY_CONCURRENCY
   * @param nanoTime a monotonic clock in nanoseconds ({@code System::nanoTime}; a fake in tests)
   */
  public DestinationLimiter(int defaultConcurrency, LongSupplier nanoTime) {
    if (defaultConcurrency < 1) {
      throw new IllegalArgumentException("defaultConcurrency must be >= 1");
    }
    this.defaultConcurrency = defaultConcurrency;
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /** The key a destination's limits are kept under: its owner and id. */
  public static String key(Destination d) {
    return (d.getPartnerId().isEmpty() ? "a:" + d.getAccountId() : "p:" + d.getPartnerId())
        + "/" + d.getDestinationId();
  }

  /**
   * Takes a permit for one request to {@code destination} if both its concurrency and its rate
   * allow one now. The limits are read from the destination on every call (an update applies at
   * once).
   */
  public Acquisition tryAcquire(Destination destination) {
    int concurrency = concurrency(destination);
    int perSecond = Math.max(0, destination.getMaxRequestsPerSecond());
    Bucket b = buckets.computeIfAbsent(key(destination), k -> new Bucket());
    synchronized (b) {
      if (b.inFlight >= concurrency) {
        return new Denied(BUSY_RETRY, false);
      }
      if (perSecond > 0) {
        long now = nanoTime.getAsLong();
        if (b.tokens < 0) {
          b.tokens = perSecond;
        } else {
          double refill = (now - b.refilledAt) / 1e9 * perSecond;
          b.tokens = Math.min(perSecond, b.tokens + refill);
        }
        b.refilledAt = now;
        if (b.tokens < 1) {
          long waitNanos = (long) Math.ceil((1 - b.tokens) / perSecond * 1e9);
          return new Denied(Duration.ofNanos(Math.max(1, waitNanos)), true);
        }
        b.tokens -= 1;
      }
      b.inFlight++;
      return new Granted(new Permit(b));
    }
  }

  /** How many requests to the destination may be in flight from this process. */
  public int concurrency(Destination destination) {
    return destination.getMaxConcurrency() > 0 ? destination.getMaxConcurrency() : defaultConcurrency;
  }

  /** The concurrency of a destination that does not set its own. */
  public int defaultConcurrency() {
    return defaultConcurrency;
  }

  /** Requests in flight to the destination from this process. */
  public int inFlight(Destination destination) {
    Bucket b = buckets.get(key(destination));
    if (b == null) {
      return 0;
    }
    synchronized (b) {
      return b.inFlight;
    }
  }

  /** Forgets a destination's state (deleted); permits still out release into the forgotten state. */
  public void forget(Destination destination) {
    buckets.remove(key(destination));
  }
}
