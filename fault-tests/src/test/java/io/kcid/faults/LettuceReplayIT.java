package io.kcid.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.faults.testing.FaultProxy;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.server.store.redis.RedisConnector;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lettuce replays commands that were in flight when a connection dropped, after it reconnects; for
 * a write whose outcome the caller was already told is unknown, that replay could count twice.
 * {@link RedisConnector} forbids it ({@code replayFilter(cmd -> true)}). This scenario proves both
 * halves: with Lettuce's defaults the fault does produce double execution (so the scenario can
 * detect a replay), and with the connector's options it never does.
 *
 * <p>The fault: a burst of INCRs reaches Redis and executes, the proxy holds the replies (the
 * caller cannot know the outcome), then resets the connection before the command timeout.
 */
class LettuceReplayIT {
  private static final int BURST = 200;

  @TempDir static Path dir;
  private static RedisProcess redis;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start(dir.resolve("redis"), false);
  }

  @AfterAll
  static void stop() {
    redis.close();
  }

  /** Counters incremented once per command; a value of 2 is a command executed twice. */
  private record Outcome(int acknowledged, int failed, int executedTwice, int executed) {}

  private static Outcome burstThroughAResetConnection(
      String prefix, FaultProxy proxy, RedisClusterAsyncCommands<byte[], byte[]> commands, RedisClient reader) throws Exception {
    proxy.stallReplies();
    List<CompletableFuture<Long>> calls = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      calls.add(commands.incr(key(prefix, i)).toCompletableFuture());
    }
    // Every INCR reaches Redis (only replies are held) well within the 2 s command timeout.
    awaitExecuted(reader, prefix);
    proxy.resetConnections();
    proxy.pass();
    int acknowledged = 0;
    int failed = 0;
    for (CompletableFuture<Long> call : calls) {
      try {
        call.get(10, TimeUnit.SECONDS);
        acknowledged++;
      } catch (java.util.concurrent.ExecutionException e) {
        failed++;
      }
    }
    Stack.sleep(500); // give a replay, if any, time to reach Redis
    Map<String, Integer> counts = counts(reader, prefix);
    int twice = (int) counts.values().stream().filter(c -> c > 1).count();
    return new Outcome(acknowledged, failed, twice, counts.size());
  }

  private static byte[] key(String prefix, int i) {
    return (prefix + ":" + i).getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, Integer> counts(RedisClient reader, String prefix) {
    try (StatefulRedisConnection<String, String> c = reader.connect()) {
      Map<String, Integer> counts = new java.util.HashMap<>();
      for (String k : c.sync().keys(prefix + ":*")) {
        counts.put(k, Integer.parseInt(c.sync().get(k)));
      }
      return counts;
    }
  }

  private static void awaitExecuted(RedisClient reader, String prefix) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (counts(reader, prefix).size() < BURST && System.nanoTime() < deadline) {
      Stack.sleep(10);
    }
    assertThat(counts(reader, prefix)).as("every command reached Redis").hasSize(BURST);
  }

  private static <T> T withProxy(Function<FaultProxy, T> body) {
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", redis.port())) {
      return body.apply(proxy);
    }
  }

  @Test
  void lettucesDefaultsReplayAnExecutedCommandAfterAReset_soTheScenarioDetectsReplays() {
    Outcome outcome = withProxy(proxy -> {
      RedisClient client = RedisClient.create("redis://" + proxy.address());
      client.setOptions(ClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(2))).build());
      RedisClient reader = RedisClient.create(redis.url());
      try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
        return burstThroughAResetConnection("defaults", proxy, connection.async(), reader);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        client.shutdown();
        reader.shutdown();
      }
    });
    assertThat(outcome.executedTwice()).as("commands Lettuce replayed after reconnecting: " + outcome).isPositive();
  }

  @Test
  void theServersConnectorNeverReplays_everyCommandRunsAtMostOnce() {
    Outcome outcome = withProxy(proxy -> {
      RedisClient reader = RedisClient.create(redis.url());
      try (RedisConnector connector = RedisConnector.connect("redis://" + proxy.address(), Duration.ofSeconds(2), 10_000)) {
        return burstThroughAResetConnection("connector", proxy, connector.commands(), reader);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      } finally {
        reader.shutdown();
      }
    });
    assertThat(outcome.executedTwice()).as(outcome.toString()).isZero();
    assertThat(outcome.executed()).isEqualTo(BURST);
    assertThat(outcome.failed()).as("the callers were told the outcome is unknown").isEqualTo(BURST);
  }
}
