package io.kcid.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** KCID_REDIS_WAIT_REPLICAS and KCID_REDIS_WAIT_TIMEOUT_MS: off by default, validated at start. */
class ReplicaWaitConfigTest {
  private static ServerConfig config(String... extra) {
    return ServerArgs.config(extra);
  }

  @Test
  void offByDefault() {
    assertThat(config().redis().replicaWait().enabled()).isFalse();
    assertThat(config().redis().replicaWait()).isEqualTo(ReplicaWait.OFF);
  }

  @Test
  void takesReplicasAndTimeout() {
    ReplicaWait wait = config("--redis-wait-replicas", "1", "--redis-wait-timeout-ms", "250").redis().replicaWait();
    assertThat(wait.enabled()).isTrue();
    assertThat(wait.replicas()).isEqualTo(1);
    assertThat(wait.timeout()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void refusesWhatItCannotHonourNamingTheVariableAndTheValue() {
    assertThatThrownBy(() -> config("--redis-wait-replicas", "-1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KCID_REDIS_WAIT_REPLICAS=-1");
    assertThatThrownBy(() -> config("--redis-wait-replicas", "17"))
        .hasMessageContaining("KCID_REDIS_WAIT_REPLICAS=17");
    // WAIT 0 blocks forever: never a valid timeout.
    assertThatThrownBy(() -> config("--redis-wait-replicas", "1", "--redis-wait-timeout-ms", "0"))
        .hasMessageContaining("KCID_REDIS_WAIT_TIMEOUT_MS=0");
    // Redis must answer WAIT before the client times the command out.
    assertThatThrownBy(() -> config("--redis-wait-replicas", "1", "--redis-wait-timeout-ms", "500"))
        .hasMessageContaining("KCID_REDIS_WAIT_TIMEOUT_MS=500").hasMessageContaining("KCID_REDIS_TIMEOUT_MS=500");
    assertThat(config("--redis-wait-replicas", "1", "--redis-wait-timeout-ms", "499",
        "--redis-timeout-ms", "500").redis().replicaWait().timeout()).isEqualTo(Duration.ofMillis(499));
  }
}
