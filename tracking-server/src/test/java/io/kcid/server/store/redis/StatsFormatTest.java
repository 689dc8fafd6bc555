package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class StatsFormatTest {
  @Test
  void hourLabelsAreUtcAndNeverAStaleCachedOne() {
    Instant nine = Instant.parse("2026-12-04T09:00:00Z");
    Instant ten = Instant.parse("2026-12-04T10:00:00Z");

    assertThat(StatsFormat.hourLabel(nine)).isEqualTo("2026120409");
    assertThat(StatsFormat.hourLabel(nine)).isEqualTo("2026120409");
    assertThat(StatsFormat.hourLabel(ten)).isEqualTo("2026120410");
    assertThat(StatsFormat.hourLabel(nine)).isEqualTo("2026120409");
    assertThat(StatsFormat.hourLabel(Instant.EPOCH)).isEqualTo("1970010100");
  }
}
