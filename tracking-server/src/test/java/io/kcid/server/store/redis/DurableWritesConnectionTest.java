package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.server.config.ReplicaWait;
import io.kcid.server.store.redis.Scripts.ReleaseSignature;
import io.kcid.server.store.redis.testing.LocalStandalone;
import io.lettuce.core.ScriptOutputType;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Writes that wait for replicas have a connection of their own: reads never queue behind a WAIT. */
class DurableWritesConnectionTest {
  private static final Duration WAIT_TIMEOUT = Duration.ofMillis(1500);

  @Test
  void aReadIsAnsweredWhileAWriteWaitsForReplicas() {
    try (LocalStandalone redis = LocalStandalone.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 1000)) {
      // No replica exists: the WAIT after this write blocks its connection for the whole timeout.
      DurableWrites durable = connector.durableWrites(new ReplicaWait(1, WAIT_TIMEOUT));
      CompletableFuture<Long> write = durable.<Long, ReleaseSignature>run(
              LuaScript.load(Scripts.RELEASE_SIGNATURE), ScriptOutputType.INTEGER,
              ScriptArgs.of(ReleaseSignature.class)
                  .set(ReleaseSignature.SIGNATURE, "kc:{a:x}:sg:d")
                  .set(ReleaseSignature.VALUE, "v"))
          .toCompletableFuture();
      long start = System.nanoTime();
      byte[] value = connector.commands().get("absent".getBytes(StandardCharsets.UTF_8)).toCompletableFuture().join();
      Duration read = Duration.ofNanos(System.nanoTime() - start);
      assertThat(value).isNull();
      assertThat(write).isNotDone();
      assertThat(read).isLessThan(WAIT_TIMEOUT.dividedBy(3));
      // The write itself still ends as "not confirmed by a replica".
      assertThat(write).failsWithin(Duration.ofSeconds(5));
    }
  }
}
