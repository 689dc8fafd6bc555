package io.kcid.server.conversion;

import java.time.Duration;
import java.util.List;

/**
 * The fixed buckets of the click-to-conversion time distribution kept in stats: &lt;1m, &lt;10m,
 * &lt;1h, &lt;6h, &lt;1d, &lt;7d, &lt;30d and &ge;30d. Fixed, so counters of any hour add up.
 */
public final class TimeToConvert {
  /** Exclusive upper bounds of every bucket but the last. */
  public static final List<Duration> UPPER_BOUNDS =
      List.of(
          Duration.ofMinutes(1),
          Duration.ofMinutes(10),
          Duration.ofHours(1),
          Duration.ofHours(6),
          Duration.ofDays(1),
          Duration.ofDays(7),
          Duration.ofDays(30));

  public static final int BUCKETS = UPPER_BOUNDS.size() + 1;

  private TimeToConvert() {}

  /** The bucket of a click-to-conversion time; a negative one (clock skew) counts as the first. */
  public static int bucketOf(Duration elapsed) {
    for (int i = 0; i < UPPER_BOUNDS.size(); i++) {
      if (elapsed.compareTo(UPPER_BOUNDS.get(i)) < 0) {
        return i;
      }
    }
    return UPPER_BOUNDS.size();
  }

  /** Inclusive lower bound of a bucket. */
  public static Duration lowerBound(int bucket) {
    return bucket == 0 ? Duration.ZERO : UPPER_BOUNDS.get(bucket - 1);
  }
}
