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

  @Test
  void aKeysTrailingHourLabelReadsBackAsItsHour() {
    Instant ten = Instant.parse("2026-12-04T10:00:00Z");
    String key = new String(RedisKeys.dimensions(3, "acme:eu", ten), java.nio.charset.StandardCharsets.UTF_8);

    assertThat(StatsFormat.hourOfLabelled(key)).isEqualTo(ten);
    assertThat(StatsFormat.hourOfLabelled("kc:{3}:st:acme:" + StatsFormat.hourLabel(Instant.EPOCH))).isEqualTo(Instant.EPOCH);
    assertThat(StatsFormat.hourOfLabelled("kc:{3}:st:acme:notanhour")).isNull();
    assertThat(StatsFormat.hourOfLabelled("2026")).isNull();
  }
}
