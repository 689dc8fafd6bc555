package io.kcid.server.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an account's status map and response format may hold. */
class StatusMapSettingsTest {
  private static final ConversionStatus APPROVED = ConversionStatus.CONVERSION_STATUS_APPROVED;

  private static void refused(Map<String, ConversionStatus> map, String hint) {
    assertThatThrownBy(() -> StatusMapSettings.checked("status_map", map))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
          assertThat(e.metadata()).containsEntry("field", "status_map");
          assertThat(e.getMessage()).contains(hint);
        });
  }

  @Test
  void wordsAreStoredTrimmedInLowerCase() {
    assertThat(StatusMapSettings.checked("status_map", Map.of(" Sale ", APPROVED, "SALE", APPROVED, "1",
        ConversionStatus.CONVERSION_STATUS_PENDING)))
        .containsExactly(Map.entry("1", ConversionStatus.CONVERSION_STATUS_PENDING), Map.entry("sale", APPROVED));
  }

  @Test
  void badWordsStatusesAndSizesAreRefused() {
    refused(Map.of("", APPROVED), "1 to 32");
    refused(Map.of("x".repeat(33), APPROVED), "1 to 32");
    refused(Map.of("a,b", APPROVED), "','");
    refused(Map.of("a=b", APPROVED), "'='");
    refused(Map.of("tab\tword", APPROVED), "control");
    refused(Map.of("sale", ConversionStatus.CONVERSION_STATUS_UNSPECIFIED), "pending, approved or rejected");
    refused(Map.of("Sale", APPROVED, "sale", ConversionStatus.CONVERSION_STATUS_REJECTED), "given twice");
    Map<String, ConversionStatus> many = new HashMap<>();
    for (int i = 0; i <= StatusMapSettings.MAX_WORDS; i++) {
      many.put("w" + i, APPROVED);
    }
    refused(many, "at most 50");
  }

  @Test
  void unknownFormatNumbersAreRefused() {
    assertThat(PostbackAnswerSettings.checkedFormat("f", 2)).isEqualTo(PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK);
    assertThatThrownBy(() -> PostbackAnswerSettings.checkedFormat("f", 99)).isInstanceOf(KcidException.class);
  }
}
