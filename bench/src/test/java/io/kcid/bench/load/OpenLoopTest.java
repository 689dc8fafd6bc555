package io.kcid.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class OpenLoopTest {
  /**
   * A one-thread "server" that stalls once for 300 ms. Measured from each request's intended start,
   * every request due during the stall waits for it: at 1000/s that is ~300 requests, far more than
   * 1% of the run, so p99 shows the stall. A closed loop would have recorded it once.
   */
  @Test
  void latencyCountsFromTheIntendedStartSoAStallDelaysEveryRequestDueDuringIt() throws Exception {
    ExecutorService server = Executors.newSingleThreadExecutor();
    AtomicBoolean stalled = new AtomicBoolean();
    try {
      AsyncOp op = seq -> CompletableFuture.runAsync(() -> {
        if (seq == 1200 && stalled.compareAndSet(false, true)) {
          sleep(300);
        }
      }, server);

      Run run = OpenLoop.run(op, 1000, Duration.ofMillis(500), Duration.ofSeconds(2), Window.NONE);

      assertThat(run.ops()).isBetween(1900L, 2100L);
      assertThat(run.errors()).isZero();
      assertThat(run.p50Ms()).isLessThan(50);
      assertThat(run.p99Ms()).isGreaterThan(100);
      assertThat(run.maxMs()).isGreaterThanOrEqualTo(290);
    } finally {
      server.shutdownNow();
      server.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
