package io.kcid.edge.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.kcid.KcidKeyRing;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The edge's fault-tolerance flags: defaults, the spool switch, and messages that name the problem. */
class ResilienceOptionsTest {
  private static ResilienceConfig parse(String... args) {
    ResilienceOptions options = new ResilienceOptions();
    new CommandLine(options).parseArgs(args);
    return options.config();
  }

  @Test
  void withoutASpoolDirectoryClicksAreNotSpooled() {
    ResilienceConfig config = parse();
    assertThat(config.spool()).isEmpty();
    assertThat(config.drainDelay()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void aSpoolNeedsTheDeploymentsKeysAndViceVersa() {
    String keys = KcidKeyRing.generate(3).toSpec();
    SpoolConfig spool = parse("--spool-dir", "/tmp/spool", "--mac-keys", keys, "--mac-active-key", "3").spool().orElseThrow();
    assertThat(spool.keys().active().keyId()).isEqualTo(3);
    assertThat(spool.clickDeadline()).isEqualTo(Duration.ofMillis(300));
    assertThat(spool.partitions()).isEqualTo(16);
    assertThat(spool.maxBytes()).isEqualTo(256L << 20);

    assertThatThrownBy(() -> parse("--spool-dir", "/tmp/spool")).hasMessageContaining("KCID_MAC_KEYS is not");
    assertThatThrownBy(() -> parse("--mac-keys", keys)).hasMessageContaining("KCID_EDGE_SPOOL_DIR is not");
    assertThatThrownBy(() -> parse("--spool-dir", "/tmp/s", "--mac-keys", keys, "--mac-active-key", "3", "--click-deadline-ms", "0"))
        .hasMessageContaining("click deadline must be between 10 ms and 10000 ms, got 0 ms");
    assertThatThrownBy(() -> parse("--spool-dir", "/tmp/s", "--mac-keys", keys, "--mac-active-key", "3", "--spool-max-bytes", "10"))
        .hasMessageContaining("spool max bytes must be at least");
    assertThatThrownBy(() -> parse("--drain-delay-ms", "-1")).hasMessageContaining("drain delay");
    assertThatThrownBy(() -> parse("--spool-dir", "/tmp/s", "--mac-keys", "1:short", "--mac-active-key", "1"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("short"));
  }
}
