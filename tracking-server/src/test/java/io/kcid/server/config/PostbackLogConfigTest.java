package io.kcid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** KCID_POSTBACK_LOG_RETENTION and KCID_POSTBACK_LOG_MAX_LENGTH: parsed, defaulted and validated at start. */
class PostbackLogConfigTest {
  private static ServerConfig config(String... extra) {
    return ServerArgs.config(extra);
  }

  @Test
  void defaultsToSevenDaysAndAMillionEntries() {
    ServerConfig config = config();
    assertThat(config.postbackLog().retention()).isEqualTo(Duration.ofDays(7));
    assertThat(config.postbackLog().maxLength()).isEqualTo(1_000_000);
  }

  @Test
  void acceptsHumanDurations() {
    assertThat(config("--postback-log-retention", "48h").postbackLog().retention()).isEqualTo(Duration.ofHours(48));
    assertThat(config("--postback-log-retention", "30m").postbackLog().retention()).isEqualTo(Duration.ofMinutes(30));
    assertThat(config("--postback-log-retention", "90d").postbackLog().retention()).isEqualTo(Duration.ofDays(90));
  }

  @Test
  void refusesWhatItCannotHonourNamingTheVariableAndTheValue() {
    assertThatThrownBy(() -> config("--postback-log-retention", "7 days"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("KCID_POSTBACK_LOG_RETENTION=7 days").hasMessageContaining("48h");
    assertThatThrownBy(() -> config("--postback-log-retention", "0s"))
        .hasMessageContaining("KCID_POSTBACK_LOG_RETENTION=0s").hasMessageContaining("1s to 90d");
    assertThatThrownBy(() -> config("--postback-log-retention", "91d"))
        .hasMessageContaining("KCID_POSTBACK_LOG_RETENTION=7862400s");
    assertThatThrownBy(() -> config("--postback-log-max-length", "10"))
        .hasMessageContaining("KCID_POSTBACK_LOG_MAX_LENGTH=10").hasMessageContaining(">= 1000");
  }
}
