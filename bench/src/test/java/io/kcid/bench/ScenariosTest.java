package io.kcid.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The deliveries scenario's headline: the median of its rounds' ratios. */
class ScenariosTest {
  @Test
  void theMedianIsTheMiddleRoundWhateverTheOrderAndTheMeanOfTheTwoMiddleOnesForAnEvenCount() {
    assertThat(Scenarios.median(List.of(1.39, 1.05, 1.12))).isEqualTo(1.12);
    assertThat(Scenarios.median(List.of(1.3))).isEqualTo(1.3);
    assertThat(Scenarios.median(List.of(1.0, 1.4, 1.2, 2.0))).isCloseTo(1.3, within(1e-9));
    assertThat(Scenarios.median(List.of())).isZero();
  }
}
