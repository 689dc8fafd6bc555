package io.kcid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.server.ServerMain;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** KCID_POSTBACK_LOG_RETENTION and KCID_POSTBACK_LOG_MAX_LENGTH: parsed, defaulted and validated at start. */
class PostbackLogConfigTest {
  private static final String KEYS = "1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

  private static ServerConfig config(String... extra) {
    String[] base = {"--redis-url", "redis://localhost:6379", "--mac-keys", KEYS};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    return CommandLine.populateCommand(new ServerMain(), args).config();
  }

  @Test
  void defaultsToSevenDaysAndAMillionEntries() {
    ServerConfig config = config();
    assertThat(config.postbackLogRetention()).isEqualTo(Duration.ofDays(7));
    assertThat(config.postbackLogMaxLength()).isEqualTo(1_000_000);
  }

  @Test
  void acceptsHumanDurations() {
    assertThat(config("--postback-log-retention", "48h").postbackLogRetention()).isEqualTo(Duration.ofHours(48));
    assertThat(config("--postback-log-retention", "30m").postbackLogRetention()).isEqualTo(Duration.ofMinutes(30));
    assertThat(config("--postback-log-retention", "90d").postbackLogRetention()).isEqualTo(Duration.ofDays(90));
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
