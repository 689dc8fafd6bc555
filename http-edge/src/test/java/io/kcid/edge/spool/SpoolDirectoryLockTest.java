package io.kcid.edge.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.config.ResilienceOptions;
import io.kcid.edge.config.SpoolConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two edges on one machine never share a spool directory (they would replay and delete each
 * other's segments): an operator's directory held by a running edge stops the second one, and the
 * default directory moves the second edge to a sibling.
 */
class SpoolDirectoryLockTest {
  @TempDir Path home;

  private SpoolConfig config(Path dir, boolean defaultDir) {
    return new SpoolConfig(KcidKeyRing.generate(1), 16, dir, 1 << 20, Duration.ofMillis(300), Duration.ofSeconds(30), defaultDir);
  }

  @Test
  void aDirectoryHeldByARunningEdgeIsNotOpenedTwice() {
    Path dir = home.resolve("spool");
    try (ClickSpool first = ClickSpool.open(dir, 1 << 20)) {
      assertThatThrownBy(() -> ClickSpool.open(dir, 1 << 20))
          .isInstanceOf(ClickSpool.SpoolLockedException.class)
          .hasMessageContaining("in use by another running edge");
      assertThatThrownBy(() -> ClickSpoolService.open(config(dir, false))).isInstanceOf(ClickSpool.SpoolLockedException.class);
    }
    // Released on close: the next edge on this directory replays what was left.
    try (ClickSpool again = ClickSpool.open(dir, 1 << 20)) {
      assertThat(again.dir()).isEqualTo(dir);
    }
  }

  @Test
  void aSecondEdgeOnTheDefaultDirectoryTakesTheNextFreeSibling() {
    Path dir = ResilienceOptions.defaultDir(home.toString(), 8080);
    try (ClickSpool first = ClickSpoolService.open(config(dir, true));
        ClickSpool second = ClickSpoolService.open(config(dir, true));
        ClickSpool third = ClickSpoolService.open(config(dir, true))) {
      assertThat(first.dir()).isEqualTo(home.resolve("spool/edge-8080"));
      assertThat(second.dir()).isEqualTo(home.resolve("spool/edge-8080-2"));
      assertThat(third.dir()).isEqualTo(home.resolve("spool/edge-8080-3"));
    }
    try (ClickSpool restarted = ClickSpoolService.open(config(dir, true))) {
      assertThat(restarted.dir()).isEqualTo(home.resolve("spool/edge-8080"));
    }
  }
}
