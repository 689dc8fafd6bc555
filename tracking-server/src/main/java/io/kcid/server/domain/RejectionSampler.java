package io.kcid.server.domain;

import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides which refused-authentication postbacks reach the postback log. Anyone can send postbacks
 * that fail authentication while naming an account; logging every one would let a flood cost a
 * Redis write each and evict the account's real entries from its capped log. So such entries are
 * sampled per log (a small token bucket: a burst, then one a second), while every other outcome is
 * always logged. Sampling is per server instance; suppressed entries are counted.
 */
final class RejectionSampler {
  static final Set<ErrorReason> UNAUTHENTICATED = EnumSet.of(
      ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING,
      ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID,
      ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
      ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_STALE,
      ErrorReason.ERROR_REASON_IP_NOT_ALLOWED);
  static final int BURST = 5;
  private static final long REFILL_NANOS = 1_000_000_000L;
  private static final int MAX_LOGS_TRACKED = 10_000;

  private record Bucket(double tokens, long at) {}

  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  RejectionSampler(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Whether an entry with this reason, for this log, should be written. */
  boolean admit(String log, ErrorReason reason) {
    if (!UNAUTHENTICATED.contains(reason)) {
      return true;
    }
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
