package io.kcid.edge.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {
  private static final EdgeConfig D = EdgeConfig.defaults();

  @Test
  void defaults() {
    assertThat(D)
        .isEqualTo(new EdgeConfig("0.0.0.0", 8080, "localhost:9090", Duration.ofMillis(1500), 65536, 0, Duration.ofSeconds(2)));
    assertThat(D.retryAfterSeconds()).isEqualTo(2);
    assertThat(D.trustedProxies()).isEmpty();
    assertThat(new EdgeConfig("h", 0, "t", Duration.ofMillis(1), 1, 0, Duration.ofMillis(1500)).retryAfterSeconds()).isEqualTo(2);
  }

  @Test
  void messagesNameTheValueAndWhatWasExpected() {
    assertThatThrownBy(() -> new EdgeConfig(" ", 1, "t", D.callDeadline(), 1, 0, D.retryAfter()))
        .hasMessageContaining("bind host");
    assertThatThrownBy(() -> new EdgeConfig("h", 70000, "t", D.callDeadline(), 1, 0, D.retryAfter()))
        .hasMessageContaining("port must be between 0 and 65535").hasMessageContaining("70000");
    assertThatThrownBy(() -> new EdgeConfig("h", 1, "local host:1", D.callDeadline(), 1, 0, D.retryAfter()))
        .hasMessageContaining("gRPC target").hasMessageContaining("'local host:1'");
    assertThatThrownBy(() -> new EdgeConfig("h", 1, "t", Duration.ZERO, 1, 0, D.retryAfter()))
        .hasMessageContaining("call deadline must be between 1 ms and 60000 ms, got 0 ms");
    assertThatThrownBy(() -> new EdgeConfig("h", 1, "t", D.callDeadline(), 0, 0, D.retryAfter()))
        .hasMessageContaining("max body bytes").hasMessageContaining("got 0");
    assertThatThrownBy(() -> new EdgeConfig("h", 1, "t", D.callDeadline(), 1, -1, D.retryAfter()))
        .hasMessageContaining("worker threads").hasMessageContaining("got -1");
    assertThatThrownBy(() -> new EdgeConfig("h", 1, "t", D.callDeadline(), 1, 0, Duration.ZERO))
        .hasMessageContaining("retry-after must be between 1 s and 3600 s");
  }

  @Test
  void trustedProxiesAreValidatedAndCopied() {
    java.util.List<String> blocks = new java.util.ArrayList<>(java.util.List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.1"));
    EdgeConfig config = D.withTrustedProxies(blocks);
    blocks.clear();
    assertThat(config.trustedProxies()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.0.2.1");
    assertThatThrownBy(() -> D.withTrustedProxies(java.util.List.of("10.0.0.0/8", "lb.internal")))
        .hasMessageContaining("trusted proxy").hasMessageContaining("'lb.internal'");
    assertThatThrownBy(() -> D.withTrustedProxies(null)).hasMessageContaining("trusted proxies");
  }
}
