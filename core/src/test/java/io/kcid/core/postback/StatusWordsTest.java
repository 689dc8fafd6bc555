package io.kcid.core.postback;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ConversionStatus;
import org.junit.jupiter.api.Test;

/** kcid's own status words, in any case and with spaces around; nothing else. */
class StatusWordsTest {
  @Test
  void ownWordsInAnyCaseAndNothingElse() {
    assertThat(StatusWords.own(" Approved ")).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(StatusWords.own("PENDING")).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(StatusWords.own("rejected")).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(StatusWords.own("sale")).isEqualTo(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED);
    assertThat(StatusWords.own("")).isEqualTo(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED);
  }
}
