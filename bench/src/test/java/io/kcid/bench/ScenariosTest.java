package io.kcid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kcid.bench.load.Run;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The deliveries scenario's headline (the median of its rounds' ratios), and the order conversions are sent in. */
class ScenariosTest {
  @Test
  void theMedianIsTheMiddleRoundWhateverTheOrderAndTheMeanOfTheTwoMiddleOnesForAnEvenCount() {
    assertThat(Scenarios.median(List.of(1.39, 1.05, 1.12))).isEqualTo(1.12);
    assertThat(Scenarios.median(List.of(1.3))).isEqualTo(1.3);
    assertThat(Scenarios.median(List.of(1.0, 1.4, 1.2, 2.0))).isCloseTo(1.3, within(1e-9));
    assertThat(Scenarios.median(List.of())).isZero();
  }

  @Test
  void conversionsAreSentInAnOrderWhereConsecutiveOnesShareAPartitionOnlyByChance() {
    // Issued order: the server put a busy moment's clicks in one partition, so runs of 100.
    List<String> issued = new ArrayList<>();
    for (int p = 0; p < 16; p++) {
      for (int i = 0; i < 100; i++) {
        issued.add("p" + p + "-" + i);
      }
    }
    List<String> sent = Scenarios.inArrivalOrder(issued);

    assertThat(sent).containsExactlyInAnyOrderElementsOf(issued);
    assertThat(Scenarios.inArrivalOrder(issued)).isEqualTo(sent); // a fixed seed: the same order every run
    assertThat(samePartitionPairs(issued)).isEqualTo(16 * 99);
    // By chance about 1,599 / 16 = 100 consecutive pairs share a partition.
    assertThat(samePartitionPairs(sent)).isBetween(50, 150);
  }

  private static int samePartitionPairs(List<String> kcids) {
    int pairs = 0;
    for (int i = 1; i < kcids.size(); i++) {
      if (kcids.get(i).split("-")[0].equals(kcids.get(i - 1).split("-")[0])) {
        pairs++;
      }
    }
    return pairs;
  }

  @Test
  void aRoundCountsAsFailedBeyondOneCallInAThousand() {
    assertThat(new Run(22_478, 10, 22, 0, 0, 0, 0).failedMoreThanOneInAThousand()).isFalse();
    assertThat(new Run(22_476, 10, 24, 0, 0, 0, 0).failedMoreThanOneInAThousand()).isTrue();
    assertThat(new Run(15_000, 10, 7_500, 0, 0, 0, 0).failedMoreThanOneInAThousand()).isTrue();
  }
}
