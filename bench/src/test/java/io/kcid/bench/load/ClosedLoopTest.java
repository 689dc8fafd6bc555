package io.kcid.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {
  /**
   * Operations answered inside their own start (as an in-process transport or an immediate failure
   * does) would recurse start → completion → start until the stack overflowed; the loop must run
   * them one after another and still stop when the run ends.
   */
  @Test
  void operationsCompletingInsideTheirOwnStartNeitherOverflowTheStackNorOutliveTheRun() throws Exception {
    Run run = ClosedLoop.run((seq, done) -> done.completed(seq % 4 == 3 ? new IllegalStateException("refused") : null),
        4, Duration.ofMillis(50), Duration.ofMillis(200), Window.NONE);

    assertThat(run.ops()).isPositive();
    assertThat(run.errorKinds()).containsOnlyKeys("IllegalStateException");
    assertThat((double) run.ops() / run.errors()).isBetween(2.9, 3.1);
  }
}
