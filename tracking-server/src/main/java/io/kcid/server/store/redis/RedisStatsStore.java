package io.kcid.server.store.redis;

import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Reads the hourly stats hashes of every partition. One script call reads up to a week of hours of
 * one partition (its keys share one hash slot, so this works on a Cluster too); a few calls run at
 * a time, so a long report never floods the connection the hot path shares.
 */
public final class RedisStatsStore implements StatsStore {
  private static final LuaScript READ = LuaScript.fromClasspath("/lua/read_stats.lua");
  /** Hours per script call: short enough that one call never holds Redis for long. */
  static final int HOURS_PER_CALL = 168;
  /** Script calls in flight per report. */
  static final int IN_FLIGHT = 8;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final int partitions;

  public RedisStatsStore(RedisClusterAsyncCommands<byte[], byte[]> redis, int partitions) {
    this.redis = redis;
    this.partitions = partitions;
  }

  @Override
  public CompletionStage<List<StatsCounter>> read(String accountId, Instant fromHour, Instant toHour) {
    List<Instant> hours = new ArrayList<>();
    for (Instant h = StatsFormat.hourOf(fromHour); h.isBefore(toHour); h = h.plus(Duration.ofHours(1))) {
      hours.add(h);
    }
    List<Supplier<CompletionStage<List<StatsCounter>>>> calls = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      for (int from = 0; from < hours.size(); from += HOURS_PER_CALL) {
        int partition = p;
        List<Instant> chunk = hours.subList(from, Math.min(hours.size(), from + HOURS_PER_CALL));
        calls.add(() -> readChunk(partition, accountId, chunk));
      }
    }
    return Stages.translate(
        inSequence(calls, IN_FLIGHT)
            .thenApply(parts -> parts.stream().flatMap(List::stream).toList()));
  }

  private CompletionStage<List<StatsCounter>> readChunk(int partition, String accountId, List<Instant> hours) {
    byte[][] keys = hours.stream().map(h -> RedisKeys.stats(partition, accountId, h)).toArray(byte[][]::new);
    return READ.<List<Object>>run(redis, ScriptOutputType.MULTI, keys)
        .thenApply(
            replies -> {
              List<StatsCounter> counters = new ArrayList<>();
              for (int i = 0; i < replies.size(); i++) {
                @SuppressWarnings("unchecked")
                List<Object> flat = (List<Object>) replies.get(i);
                for (int j = 0; j + 1 < flat.size(); j += 2) {
                  StatsFormat.parse(hours.get(i), text(flat.get(j)), Long.parseLong(text(flat.get(j + 1))))
                      .ifPresent(counters::add);
                }
              }
              return counters;
            });
  }

  /**
   * Runs the calls with at most {@code lanes} in flight; completes with their results in order,
   * or with the first failure.
   */
  static <T> CompletionStage<List<T>> inSequence(List<Supplier<CompletionStage<T>>> calls, int lanes) {
    List<T> results = new ArrayList<>(java.util.Collections.nCopies(calls.size(), null));
    CompletableFuture<List<T>> done = new CompletableFuture<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    if (calls.isEmpty()) {
      done.complete(results);
      return done;
    }
    Runnable[] lane = new Runnable[1];
    lane[0] =
        () -> {
          int i = next.getAndIncrement();
          if (i >= calls.size() || done.isDone()) {
            return;
          }
          CompletionStage<T> stage;
          try {
            stage = calls.get(i).get();
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
            return;
          }
          stage.whenComplete(
              (value, failure) -> {
                if (failure != null) {
                  done.completeExceptionally(failure);
                  return;
                }
                synchronized (results) {
                  results.set(i, value);
                }
                if (finished.incrementAndGet() == calls.size()) {
                  synchronized (results) {
                    done.complete(results);
                  }
                } else {
                  lane[0].run();
                }
              });
        };
    for (int i = 0; i < Math.min(lanes, calls.size()); i++) {
      lane[0].run();
    }
    return done;
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
