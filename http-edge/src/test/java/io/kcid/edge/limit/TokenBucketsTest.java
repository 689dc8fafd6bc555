package io.kcid.edge.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private void advanceMillis(long millis) {
    now.addAndGet(millis * 1_000_000L);
  }

  @Test
  void aBucketAllowsItsBurstThenRefillsAtItsRate() {
    TokenBuckets buckets = new TokenBuckets(1, 3, 10, now::get);
    assertThat(buckets.tryTake("a", 1)).isEqualTo(new TokenBuckets.Decision(true, 3, 2, 1, 0));
    assertThat(buckets.tryTake("a", 1).remaining()).isEqualTo(1);
    assertThat(buckets.tryTake("a", 1)).isEqualTo(new TokenBuckets.Decision(true, 3, 0, 3, 0));
    TokenBuckets.Decision refused = buckets.tryTake("a", 1);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    // Another key has its own bucket.
    assertThat(buckets.tryTake("b", 1).allowed()).isTrue();
    advanceMillis(999);
    assertThat(buckets.tryTake("a", 1).allowed()).isFalse();
    advanceMillis(1);
    assertThat(buckets.tryTake("a", 1).allowed()).isTrue();
    // Never more than the capacity, however long the bucket rested.
    advanceMillis(3_600_000);
    assertThat(buckets.tryTake("a", 2).remaining()).isEqualTo(1);
  }

  @Test
  void aCostLargerThanWhatIsLeftIsRefusedWithoutTakingAnything() {
    TokenBuckets buckets = new TokenBuckets(2, 4, 10, now::get);
    assertThat(buckets.tryTake("a", 3).allowed()).isTrue();
    TokenBuckets.Decision refused = buckets.tryTake("a", 3);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.remaining()).isEqualTo(1);
    assertThat(refused.retryAfterSeconds()).isEqualTo(1);
    assertThat(buckets.tryTake("a", 1).allowed()).isTrue();
  }

  @Test
  void memoryIsBoundedIdleBucketsAreSweptAndActiveOverflowShares() {
    TokenBuckets buckets = new TokenBuckets(1, 2, 3, now::get);
    buckets.tryTake("a", 1);
    buckets.tryTake("b", 1);
    buckets.tryTake("c", 1);
    assertThat(buckets.size()).isEqualTo(3);
    // All three are active: new keys share one overflow bucket instead of growing the map.
    assertThat(buckets.tryTake("d", 1).allowed()).isTrue();
    assertThat(buckets.tryTake("e", 1).allowed()).isTrue();
    assertThat(buckets.tryTake("f", 1).allowed()).isFalse();
    assertThat(buckets.size()).isEqualTo(4);
    // Once refilled, idle buckets equal no bucket and are swept for new keys.
    advanceMillis(5_000);
    for (int i = 0; i < 100; i++) {
      buckets.tryTake("key-" + i, 1);
    }
    assertThat(buckets.size()).isLessThanOrEqualTo(4);
  }
}
