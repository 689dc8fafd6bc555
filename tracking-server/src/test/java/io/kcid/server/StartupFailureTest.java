package io.kcid.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A start that fails part-way leaves nothing open: what earlier steps opened is closed, newest first. */
class StartupFailureTest {
  @Test
  void aPortInUseClosesTheRedisConnectionOpenedBeforeIt() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary();
        ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      RedisClient client = RedisClient.create(redis.url());
      try (StatefulRedisConnection<String, String> watcher = client.connect()) {
        assertThat(clients(watcher)).isEqualTo(1); // this one

        assertThatThrownBy(() -> TrackingServer.start(
                TestServers.builder(redis.url()).grpcPort(taken.getLocalPort()).build()))
            .isInstanceOf(UncheckedIOException.class)
            .hasMessageContaining("Cannot listen on 127.0.0.1:" + taken.getLocalPort());

        Awaitility.await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(clients(watcher)).isEqualTo(1));
      } finally {
        client.shutdown();
      }
    }
  }

  @Test
  void aFailedStepClosesWhatEarlierStepsOpenedInReverseAndNamesItself() {
    List<String> closed = new ArrayList<>();
    StartupSteps steps = new StartupSteps();
    steps.run("open a", () -> steps.closeOnFailure("a", () -> closed.add("a")));
    steps.run("open b", () -> steps.closeOnFailure("b", () -> closed.add("b")));

    assertThatThrownBy(() -> steps.run("open c", () -> {
      throw new IllegalStateException("no c today");
    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Cannot start the tracking-server: cannot open c: no c today");
    assertThat(closed).containsExactly("b", "a");
  }

  /** Client connections the Redis server holds. */
  private static long clients(StatefulRedisConnection<String, String> connection) {
    return connection.sync().clientList().lines().filter(line -> !line.isBlank()).count();
  }
}
