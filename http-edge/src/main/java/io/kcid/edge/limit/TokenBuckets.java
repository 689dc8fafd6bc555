package io.kcid.edge.limit;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Token buckets by key, in memory, bounded: a bucket that has refilled to capacity is the same as
 * no bucket, so such idle buckets are swept out once the map reaches its cap; if the map is still
 * full of active buckets, new keys share one overflow bucket rather than grow memory. Thread-safe.
 */
public final class TokenBuckets {
  /** The answer for one request: allowed or not, and what the rate-limit headers should say. */
  public record Decision(boolean allowed, long limit, long remaining, long resetSeconds, long retryAfterSeconds) {}

  private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;
  private static final String OVERFLOW = "\0overflow";

  private final double ratePerSecond;
  private final double capacity;
  private final int maxKeys;
  private final LongSupplier nanoClock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private volatile long lastSweep;

  /**
   * @param ratePerSecond tokens added per second
   * @param capacity tokens a bucket holds (the burst)
   * @param maxKeys buckets kept before idle ones are swept and new keys share the overflow bucket
   * @param nanoClock monotonic time in nanoseconds ({@code System::nanoTime})
   */
  public TokenBuckets(double ratePerSecond, double capacity, int maxKeys, LongSupplier nanoClock) {
    if (ratePerSecond <= 0 || capacity < 1 || maxKeys < 1) {
      throw new IllegalArgumentException("rate > 0, capacity >= 1 and maxKeys >= 1 expected");
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.maxKeys = maxKeys;
    this.nanoClock = nanoClock;
    this.lastSweep = nanoClock.getAsLong() - SWEEP_INTERVAL_NANOS;
  }

  /** Takes {@code cost} tokens from {@code key}'s bucket if it has them. */
  public Decision tryTake(String key, int cost) {
    long now = nanoClock.getAsLong();
    Bucket bucket = buckets.get(key);
    if (bucket == null) {
      if (buckets.size() >= maxKeys) {
        sweep(now);
      }
      bucket = buckets.size() < maxKeys
          ? buckets.computeIfAbsent(key, k -> new Bucket(capacity, now))
          : buckets.computeIfAbsent(OVERFLOW, k -> new Bucket(capacity, now));
    }
    return bucket.take(cost, now);
  }

  /** Buckets held now (for tests and metrics). */
  public int size() {
    return buckets.size();
  }

  private void sweep(long now) {
    if (now - lastSweep < SWEEP_INTERVAL_NANOS) {
      return;
    }
    lastSweep = now;
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      if (it.next().isFull(now)) {
        it.remove();
      }
    }
  }

  private final class Bucket {
    private double tokens;
    private long updatedNanos;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.updatedNanos = now;
    }

    synchronized Decision take(int cost, long now) {
      refill(now);
      boolean allowed = tokens >= cost;
      if (allowed) {
        tokens -= cost;
      }
      long remaining = (long) Math.floor(tokens);
      long reset = (long) Math.ceil((capacity - tokens) / ratePerSecond);
      long retryAfter = allowed ? 0 : Math.max(1, (long) Math.ceil((Math.min(cost, capacity) - tokens) / ratePerSecond));
      return new Decision(allowed, (long) capacity, remaining, reset, retryAfter);
    }

    synchronized boolean isFull(long now) {
      refill(now);
      return tokens >= capacity;
    }

    private void refill(long now) {
      long elapsed = now - updatedNanos;
      if (elapsed > 0) {
        tokens = Math.min(capacity, tokens + elapsed * ratePerSecond / 1e9);
        updatedNanos = now;
      }
    }
  }
}
