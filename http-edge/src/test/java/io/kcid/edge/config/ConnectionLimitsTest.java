package io.kcid.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ConnectionLimitsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    ConnectionLimits d = ConnectionLimits.defaults();
    assertThat(d.headTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(d.bodyTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.maxPerAddress()).isEqualTo(256);
    assertThat(d.maxConnections()).isEqualTo(10_000);
    assertThat(EdgeConfig.defaults().admin()).isEqualTo(new AdminListener("127.0.0.1", 0));
  }

  @Test
  void flagsDefaultToTheDocumentedValues() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv().keySet().stream().noneMatch(n -> n.startsWith("KCID_EDGE_")));
    ListenerOptions options = CommandLine.populateCommand(new ListenerOptions());
    assertThat(options.admin()).isEqualTo(new AdminListener("127.0.0.1", 8081));
    assertThat(options.connections()).isEqualTo(ConnectionLimits.defaults());
  }

  @Test
  void badValuesFailAtStartUpNamingTheVariable() {
    assertThatThrownBy(() -> ConnectionLimits.ofSeconds(0, 30, 1, 1)).hasMessageContaining("KCID_EDGE_HEAD_TIMEOUT_SECONDS")
        .hasMessageContaining("got 0");
    assertThatThrownBy(() -> ConnectionLimits.ofSeconds(10, 601, 1, 1)).hasMessageContaining("KCID_EDGE_BODY_TIMEOUT_SECONDS");
    assertThatThrownBy(() -> ConnectionLimits.ofSeconds(10, 30, 0, 10)).hasMessageContaining("KCID_EDGE_MAX_CONNECTIONS_PER_ADDRESS");
    assertThatThrownBy(() -> ConnectionLimits.ofSeconds(10, 30, 20, 10)).hasMessageContaining("KCID_EDGE_MAX_CONNECTIONS_PER_ADDRESS")
        .hasMessageContaining("got 20");
    assertThatThrownBy(() -> ConnectionLimits.ofSeconds(10, 30, 1, 0)).hasMessageContaining("KCID_EDGE_MAX_CONNECTIONS ");
    assertThatThrownBy(() -> new AdminListener("127.0.0.1", 70000)).hasMessageContaining("KCID_EDGE_ADMIN_PORT");
    assertThatThrownBy(() -> new AdminListener(" ", 1)).hasMessageContaining("KCID_EDGE_ADMIN_BIND");
    assertThatThrownBy(() -> CommandLine.populateCommand(new ListenerOptions(), "--head-timeout-seconds", "0").connections())
        .hasMessageContaining("KCID_EDGE_HEAD_TIMEOUT_SECONDS");
  }

  @Test
  void theEdgeCommandRefusesABadLimitWithExitCode2() {
    java.io.PrintStream original = System.err;
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertThat(new CommandLine(new io.kcid.edge.EdgeMain()).execute("--max-connections-per-address", "0")).isEqualTo(2);
    } finally {
      System.setErr(original);
    }
    assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("KCID_EDGE_MAX_CONNECTIONS_PER_ADDRESS");
  }
}
