package io.kcid.server.store.redis;

import io.kcid.server.store.StatsCounter;
import io.kcid.server.store.StatsQuery;
import io.kcid.server.store.StatsStore;
import io.kcid.server.store.redis.Scripts.ReadStats;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Reads the hourly stats hashes of every partition. One script call sums up to a day of hours of
 * one partition (its keys share one hash slot, so this works on a Cluster too) into the report's
 * periods and dimensions, so Redis returns sums rather than every hour's fields and no single call
 * holds Redis for long; a few calls run at a time, so a long report never floods the connection
 * the hot path shares.
 */
public final class RedisStatsStore implements StatsStore {
  private static final LuaScript<ReadStats> READ = LuaScript.load(Scripts.READ_STATS);
  /** Hours per script call: bounds how long one call holds Redis. */
  static final int HOURS_PER_CALL = 24;
  /** Script calls in flight per report. */
  static final int IN_FLIGHT = 4;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final int partitions;

  public RedisStatsStore(RedisClusterAsyncCommands<byte[], byte[]> redis, int partitions) {
    this.redis = redis;
    this.partitions = partitions;
  }

  @Override
  public CompletionStage<List<StatsCounter>> read(StatsQuery query) {
    List<Instant> hours = new ArrayList<>();
    for (Instant h = StatsFormat.hourOf(query.fromHour()); h.isBefore(query.toHour()); h = h.plus(Duration.ofHours(1))) {
      if (query.hours().test(h)) {
        hours.add(h);
      }
    }
    // Periods travel to the script as small indexes.
    List<Instant> periods = new ArrayList<>();
    Map<Instant, Integer> index = new HashMap<>();
    int[] periodOfHour = new int[hours.size()];
    for (int i = 0; i < hours.size(); i++) {
      Instant period = query.periodOf().apply(hours.get(i));
      Integer known = period == null ? Integer.valueOf(-1) : index.get(period);
      if (known == null) {
        known = periods.size();
        periods.add(period);
        index.put(period, known);
      }
      periodOfHour[i] = known;
    }
    byte[] keep = RedisKeys.bytes((query.byCampaign() ? "1" : "0") + (query.byDetail() ? "1" : "0") + (query.byGoal() ? "1" : "0"));
    List<Supplier<CompletionStage<List<StatsCounter>>>> calls = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      for (int from = 0; from < hours.size(); from += HOURS_PER_CALL) {
        int partition = p;
        int start = from;
        int end = Math.min(hours.size(), from + HOURS_PER_CALL);
        calls.add(() -> readChunk(partition, query, hours, periodOfHour, start, end, keep, periods));
      }
    }
    return Stages.translate(
        inSequence(calls, IN_FLIGHT)
            .thenApply(parts -> parts.stream().flatMap(List::stream).toList()));
  }

  private CompletionStage<List<StatsCounter>> readChunk(
      int partition, StatsQuery query, List<Instant> hours, int[] periodOfHour, int start, int end,
      byte[] keep, List<Instant> periods) {
    boolean statsHash = query.detail().inStatsHash();
    // In the dimension hash, the detail slot holds the dimension's code, then the value.
    String code = statsHash ? "" : String.valueOf(query.detail().code());
    ScriptArgs<ReadStats> call = ScriptArgs.of(ReadStats.class)
        .set(ReadStats.DIMENSIONS, keep)
        .set(ReadStats.CAMPAIGN_FILTER, query.campaign().map(c -> "=" + c).orElse(""))
        .set(ReadStats.DETAIL_FILTER, query.detailValue().map(v -> "=" + code + v).orElse(statsHash ? "" : "^" + code))
        .set(ReadStats.GOAL_FILTER, query.goal().map(g -> "=" + g).orElse(""));
    for (int i = start; i < end; i++) {
      Instant hour = hours.get(i);
      call.add(ReadStats.STATS, statsHash
              ? RedisKeys.stats(partition, query.accountId(), hour)
              : RedisKeys.dimensions(partition, query.accountId(), hour))
          .add(ReadStats.PERIOD, Integer.toString(periodOfHour[i]));
    }
    return READ.<List<Object>>run(redis, ScriptOutputType.MULTI, call)
        .thenApply(
            flat -> {
              List<StatsCounter> counters = new ArrayList<>();
              for (int j = 0; j + 1 < flat.size(); j += 2) {
                String key = text(flat.get(j));
                int cut = key.indexOf(StatsFormat.SEPARATOR);
                int period = Integer.parseInt(key.substring(0, cut));
                StatsFormat.parse(period < 0 ? null : periods.get(period), key.substring(cut + 1),
                        Long.parseLong(text(flat.get(j + 1))))
                    .map(c -> statsHash || c.detail().isEmpty() ? c : StatsFormat.withoutCode(c))
                    .ifPresent(counters::add);
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
