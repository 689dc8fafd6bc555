package io.kcid.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.edge.EdgeMain;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EdgeSecurityTest {
  private static EdgeSecurity parse(String... args) {
    EdgeMain main = new EdgeMain();
    new CommandLine(main).parseArgs(args);
    return main.security();
  }

  @Test
  void defaultsLimitRatesAndInFlightWorkButNeedNoKeyOrTls() {
    EdgeSecurity defaults = parse();
    assertThat(defaults.apiKey()).isNull();
    assertThat(defaults.grpcTls()).isFalse();
    assertThat(defaults.https()).isFalse();
    assertThat(defaults.ratePerIp()).isEqualTo(EdgeSecurity.DEFAULT_RATE_PER_IP);
    assertThat(defaults.ratePerAccount()).isEqualTo(EdgeSecurity.DEFAULT_RATE_PER_ACCOUNT);
    assertThat(defaults.burstSeconds()).isEqualTo(EdgeSecurity.DEFAULT_BURST_SECONDS);
    assertThat(defaults.maxInFlight()).isEqualTo(EdgeSecurity.DEFAULT_MAX_IN_FLIGHT);
  }

  @Test
  void theKeyIsNeverPrinted() {
    EdgeSecurity withKey = parse("--api-key", "kak_edge-secret-value");
    assertThat(withKey.apiKey()).isEqualTo("kak_edge-secret-value");
    assertThat(withKey.toString()).doesNotContain("kak_edge-secret-value").contains("apiKey=set");
  }

  @Test
  void badSettingsAreRefusedWithTheVariableName(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("x.pem"), "x");
    assertThatThrownBy(() -> parse("--rate-per-ip", "-1")).hasMessageContaining("KCID_EDGE_RATE_PER_IP");
    assertThatThrownBy(() -> parse("--rate-burst-seconds", "0")).hasMessageContaining("KCID_EDGE_RATE_BURST_SECONDS");
    assertThatThrownBy(() -> parse("--max-in-flight", "0")).hasMessageContaining("KCID_EDGE_MAX_IN_FLIGHT");
    assertThatThrownBy(() -> parse("--tls-cert", pem.toString())).hasMessageContaining("KCID_EDGE_TLS_KEY");
    assertThatThrownBy(() -> parse("--grpc-tls-cert", pem.toString(), "--grpc-tls-key", pem.toString()))
        .hasMessageContaining("KCID_GRPC_TLS_CA");
    assertThatThrownBy(() -> parse("--grpc-tls-ca", dir.resolve("missing.pem").toString()))
        .hasMessageContaining("KCID_GRPC_TLS_CA").hasMessageContaining("not a readable file");
    assertThatThrownBy(() -> parse("--api-key", "has space")).hasMessageContaining("KCID_EDGE_API_KEY");
  }
}
