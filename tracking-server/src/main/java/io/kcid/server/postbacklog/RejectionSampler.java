package io.kcid.server.postbacklog;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides which unauthenticated refusals are written as entries. Anyone can send postbacks that
 * fail authentication while naming an account (by its click); writing each would let a flood cost
 * a Redis write per request. So such entries are sampled per log (a small token bucket: a burst,
 * then one a second) and kept apart from the account's own postback log (see {@link
 * PostbackJournal}); every one of them is counted by reason. Sampling is per server instance.
 */
final class RejectionSampler {
  static final int BURST = 5;
  private static final long REFILL_NANOS = 1_000_000_000L;
  private static final int MAX_LOGS_TRACKED = 10_000;

  private record Bucket(double tokens, long at) {}

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  RejectionSampler(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Whether one more unauthenticated refusal for this log should be written. */
  boolean admit(String log) {
    if (buckets.size() >= MAX_LOGS_TRACKED && !buckets.containsKey(log)) {
      buckets.clear(); // bounded memory; forgetting buckets only lets a few more samples through
    }
    long now = nanoTime.getAsLong();
    boolean[] admitted = new boolean[1];
    buckets.compute(log, (key, bucket) -> {
      double tokens = bucket == null
          ? BURST
          : Math.min(BURST, bucket.tokens() + (double) (now - bucket.at()) / REFILL_NANOS);
      admitted[0] = tokens >= 1;
      return new Bucket(admitted[0] ? tokens - 1 : tokens, now);
    });
    return admitted[0];
  }
}
