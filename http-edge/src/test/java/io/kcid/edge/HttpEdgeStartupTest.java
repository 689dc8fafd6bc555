package io.kcid.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.config.SpoolConfig;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up runs as named steps; a failed step releases what the steps before it opened, in reverse. */
class HttpEdgeStartupTest {
  @TempDir Path dir;

  @Test
  void aTakenAdminPortFailsStartUpAndReleasesThePublicPortAndTheSpool() throws Exception {
    try (FakeBackend backend = new FakeBackend();
        ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      int publicPort = freePort();
      EdgeConfig.Builder config = EdgeFixture.preset(backend.target())
          .port(publicPort)
          .adminPort(taken.getLocalPort())
          .spool(new SpoolConfig(KcidKeyRing.generate(1), 16, dir.resolve("spool"), 1 << 20, Duration.ofMillis(300),
              Duration.ofSeconds(30)));

      assertThatThrownBy(() -> HttpEdge.start(config.build()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (admin listener): ");

      // The public port was bound before the admin listener failed: it is free again.
      try (ServerSocket again = new ServerSocket()) {
        again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), publicPort));
      }
      // The spool was started (and its directory locked) before that too: another edge can take it.
      try (HttpEdge edge = HttpEdge.start(config.port(0).adminPort(0).build())) {
        assertThat(edge.clickSpool().spool().dir()).isEqualTo(dir.resolve("spool"));
      }
    }
  }

  @Test
  void stepsUnwindInReverseAndTheFailureNamesTheStep() {
    List<String> closed = new ArrayList<>();
    StartupSteps steps = new StartupSteps();
    assertThat(steps.open("open a", () -> "a", closed::add)).isEqualTo("a");
    steps.onClose("b", () -> {
      closed.add("b");
      throw new IOException("closing b fails"); // logged; the rest still close
    });
    steps.open("open c", () -> "c", closed::add);

    assertThatThrownBy(() -> steps.run("open d", () -> {
      throw new IOException("boom");
    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot open d: boom")
        .hasCauseInstanceOf(IOException.class);
    assertThat(closed).containsExactly("c", "b", "a");
    assertThat(steps.size()).isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
