package io.kcid.core;

import static io.kcid.proto.tracking.v1.ErrorReason.ERROR_REASON_KCID_INVALID_CHARACTERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KcidExceptionTest {
  @Test
  void carriesReasonHintAndAnImmutableCopyOfTheMetadata() {
    Map<String, String> metadata = new HashMap<>(Map.of("position", "3"));

    KcidException e = new KcidException(ERROR_REASON_KCID_INVALID_CHARACTERS, "fix it", metadata);
    metadata.put("field", "kcid");

    assertThat(e.reason()).isEqualTo(ERROR_REASON_KCID_INVALID_CHARACTERS);
    assertThat(e.getMessage()).isEqualTo("fix it");
    assertThat(e.metadata()).containsExactly(Map.entry("position", "3"));
    assertThatThrownBy(() -> e.metadata().put("x", "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void hasNoMetadataByDefaultAndNoStackTrace() {
    KcidException e = new KcidException(ERROR_REASON_KCID_INVALID_CHARACTERS, "fix it");

    assertThat(e.metadata()).isEmpty();
    assertThat(e.getStackTrace()).isEmpty();
  }
}
