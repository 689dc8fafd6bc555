package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.Destination;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Concurrency permits and the token bucket, on a fake monotonic clock. */
class DestinationLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final DestinationLimiter limiter = new DestinationLimiter(2, nanos::get);

  private static Destination destination(String id, int concurrency, int perSecond) {
    return Destination.newBuilder()
        .setDestinationId(id).setAccountId("acme")
        .setMaxConcurrency(concurrency).setMaxRequestsPerSecond(perSecond)
        .build();
  }

  @Test
  void theServerDefaultConcurrencyAppliesUntilAPermitIsReleased() {
    Destination d = destination("d1", 0, 0);
    var first = (DestinationLimiter.Granted) limiter.tryAcquire(d);
    assertThat(limiter.tryAcquire(d)).isInstanceOf(DestinationLimiter.Granted.class);
    var denied = (DestinationLimiter.Denied) limiter.tryAcquire(d);
    assertThat(denied.rateLimited()).isFalse();
    assertThat(denied.retryIn()).isPositive();
    assertThat(limiter.inFlight(d)).isEqualTo(2);
    first.permit().close();
    first.permit().close(); // a second release does nothing
    assertThat(limiter.inFlight(d)).isEqualTo(1);
    assertThat(limiter.tryAcquire(d)).isInstanceOf(DestinationLimiter.Granted.class);
    assertThat(limiter.tryAcquire(d)).isInstanceOf(DestinationLimiter.Denied.class);
  }

  @Test
  void aDestinationsOwnConcurrencyWinsAndDestinationsAreIndependent() {
    Destination slow = destination("slow", 1, 0);
    Destination other = destination("other", 0, 0);
    assertThat(limiter.tryAcquire(slow)).isInstanceOf(DestinationLimiter.Granted.class);
    assertThat(limiter.tryAcquire(slow)).isInstanceOf(DestinationLimiter.Denied.class);
    assertThat(limiter.tryAcquire(other)).isInstanceOf(DestinationLimiter.Granted.class);
    Destination partners = slow.toBuilder().setAccountId("").setPartnerId("net1").build();
    assertThat(limiter.tryAcquire(partners)).isInstanceOf(DestinationLimiter.Granted.class);
  }

  @Test
  void theTokenBucketAllowsOneSecondsBurstThenSaysHowLongToWait() {
    Destination d = destination("rated", 100, 4);
    for (int i = 0; i < 4; i++) {
      ((DestinationLimiter.Granted) limiter.tryAcquire(d)).permit().close();
    }
    var denied = (DestinationLimiter.Denied) limiter.tryAcquire(d);
    assertThat(denied.rateLimited()).isTrue();
    assertThat(denied.retryIn()).isEqualTo(Duration.ofMillis(250));
    nanos.addAndGet(Duration.ofMillis(100).toNanos());
    var stillDenied = (DestinationLimiter.Denied) limiter.tryAcquire(d);
    assertThat(stillDenied.retryIn()).isEqualTo(Duration.ofMillis(150));
    nanos.addAndGet(Duration.ofMillis(150).toNanos());
    assertThat(limiter.tryAcquire(d)).isInstanceOf(DestinationLimiter.Granted.class);
    assertThat(limiter.tryAcquire(d)).isInstanceOf(DestinationLimiter.Denied.class);
    nanos.addAndGet(Duration.ofSeconds(10).toNanos()); // refills to the burst, not beyond
    int granted = 0;
    while (limiter.tryAcquire(d) instanceof DestinationLimiter.Granted) {
      granted++;
    }
    assertThat(granted).isEqualTo(4);
  }
}
