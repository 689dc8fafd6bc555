package io.kcid.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.kcid.KcidKeyRing;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The edge's fault-tolerance flags: defaults, the spool switch, and messages that name the problem. */
class ResilienceOptionsTest {
  private static ResilienceConfig parse(String... args) {
    ResilienceOptions options = new ResilienceOptions();
    new CommandLine(options).parseArgs(args);
    return options.config(8080, "/tmp/kcid-home");
  }

  @Test
  void theSpoolIsOnByDefaultInADirectoryPerEdgePort() {
    String keys = KcidKeyRing.generate(1).toSpec();
    ResilienceOptions options = new ResilienceOptions();
    new CommandLine(options).parseArgs("--mac-keys", keys);
    SpoolConfig spool = options.config(8081, "/tmp/kcid-home").spool().orElseThrow();
    assertThat(spool.dir()).isEqualTo(Path.of("/tmp/kcid-home/spool/edge-8081"));
    assertThat(spool.defaultDir()).isTrue();
    assertThat(options.config(8082, null).spool().orElseThrow().dir())
        .isEqualTo(Path.of(".kcid/spool/edge-8082").toAbsolutePath());
    assertThat(parse("--spool-dir", "/srv/spool", "--mac-keys", keys).spool().orElseThrow().defaultDir()).isFalse();
  }

  @Test
  void withoutKeysTheDefaultSpoolRefusesToStartAndSaysHowToTurnItOff() {
    assertThatThrownBy(ResilienceOptionsTest::parse)
        .hasMessageContaining("KCID_MAC_KEYS is not set")
        .hasMessageContaining("KCID_EDGE_SPOOL_DIR=off");
  }

  @Test
  void offTurnsTheSpoolOff() {
    ResilienceConfig config = parse("--spool-dir", "off");
    assertThat(config.spool()).isEmpty();
    assertThat(config.drainDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(parse("--spool-dir", "OFF", "--mac-keys", KcidKeyRing.generate(1).toSpec()).spool()).isEmpty();
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
