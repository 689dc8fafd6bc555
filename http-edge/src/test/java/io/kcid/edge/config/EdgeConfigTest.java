package io.kcid.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {
  private static final EdgeConfig D = EdgeConfig.defaults();

  /** A builder with the host, port and target the checks below vary one at a time. */
  private static EdgeConfig.Builder valid() {
    return EdgeConfig.builder().bindHost("h").port(1).grpcTarget("t").maxBodyBytes(1);
  }

  @Test
  void defaults() {
    assertThat(D.listen())
        .isEqualTo(new PublicListener("0.0.0.0", 8080, 0, 65536, Duration.ofSeconds(2), List.of()));
    assertThat(D.backend()).isEqualTo(new BackendConfig("localhost:9090", Duration.ofMillis(1500)));
    assertThat(D.security()).isEqualTo(EdgeSecurity.none());
    assertThat(D.admin()).isEqualTo(new AdminListener("127.0.0.1", 0));
    assertThat(D.connections()).isEqualTo(ConnectionLimits.defaults());
    assertThat(D.abuse()).isEqualTo(AbuseLimits.off());
    assertThat(D.resilience()).isEqualTo(ResilienceConfig.none());
    assertThat(D.listen().retryAfterSeconds()).isEqualTo(2);
    assertThat(D.listen().trustedProxies()).isEmpty();
    assertThat(valid().port(0).callDeadline(Duration.ofMillis(1)).retryAfter(Duration.ofMillis(1500)).build()
        .listen().retryAfterSeconds()).isEqualTo(2);
  }

  @Test
  void toBuilderKeepsEverySetting() {
    EdgeConfig custom = valid().apiKey("kak_k").adminKey("admin-key-0123456789abcdef").postbackRates(1, 2, 3).maxInFlight(7)
        .adminPort(9).maxConnections(5).maxConnectionsPerAddress(4).abuseLimits(AbuseLimits.defaults())
        .drainDelay(Duration.ofMillis(10)).build();
    assertThat(custom.toBuilder().build()).isEqualTo(custom);
    assertThat(custom.resilience()).isEqualTo(new ResilienceConfig(Duration.ofMillis(10), Optional.empty()));
  }

  @Test
  void messagesNameTheValueAndWhatWasExpected() {
    assertThatThrownBy(() -> valid().bindHost(" ").build())
        .hasMessageContaining("bind host");
    assertThatThrownBy(() -> valid().port(70000).build())
        .hasMessageContaining("port must be between 0 and 65535").hasMessageContaining("70000");
    assertThatThrownBy(() -> valid().grpcTarget("local host:1").build())
        .hasMessageContaining("gRPC target").hasMessageContaining("'local host:1'");
    assertThatThrownBy(() -> valid().callDeadline(Duration.ZERO).build())
        .hasMessageContaining("call deadline must be between 1 ms and 60000 ms, got 0 ms");
    assertThatThrownBy(() -> valid().maxBodyBytes(0).build())
        .hasMessageContaining("max body bytes").hasMessageContaining("got 0");
    assertThatThrownBy(() -> valid().workerThreads(-1).build())
        .hasMessageContaining("worker threads").hasMessageContaining("got -1");
    assertThatThrownBy(() -> valid().retryAfter(Duration.ZERO).build())
        .hasMessageContaining("retry-after must be between 1 s and 3600 s");
  }

  @Test
  void trustedProxiesAreValidatedAndCopied() {
    List<String> blocks = new ArrayList<>(List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.1"));
    EdgeConfig config = D.toBuilder().trustedProxies(blocks).build();
    blocks.clear();
    assertThat(config.listen().trustedProxies()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.0.2.1");
    assertThatThrownBy(() -> D.toBuilder().trustedProxies(List.of("10.0.0.0/8", "lb.internal")).build())
        .hasMessageContaining("trusted proxy").hasMessageContaining("'lb.internal'");
    assertThatThrownBy(() -> D.toBuilder().trustedProxies(null).build()).hasMessageContaining("trusted proxies");
  }
}
