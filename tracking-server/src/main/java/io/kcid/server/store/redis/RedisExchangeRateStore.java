package io.kcid.server.store.redis;

import io.kcid.server.store.ExchangeRateStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The exchange-rate table under one hash tag ({@code kc:{fx}:…}), so every key is on one node:
 * a hash per day (currency → rate), a sorted set of the days (score = epoch day) and a version
 * counter. A batch is pipelined on that node's connection in order: each day's hash, then the
 * day index, then the version, so a server polling the version sees whole days.
 */
public final class RedisExchangeRateStore implements ExchangeRateStore {
  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisExchangeRateStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Void> put(SortedMap<LocalDate, Map<String, String>> days) {
    if (days.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<?>> writes = new ArrayList<>();
    List<ScoredValue<byte[]>> index = new ArrayList<>();
    days.forEach((date, rates) -> {
      if (!rates.isEmpty()) {
        Map<byte[], byte[]> fields = new HashMap<>();
        rates.forEach((currency, rate) -> fields.put(RedisKeys.bytes(currency), RedisKeys.bytes(rate)));
        writes.add(redis.hset(RedisKeys.fxDay(date), fields).toCompletableFuture());
        index.add(ScoredValue.just(date.toEpochDay(), RedisKeys.bytes(date.toString())));
      }
    });
    if (index.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    @SuppressWarnings("unchecked")
    ScoredValue<byte[]>[] members = index.toArray(ScoredValue[]::new);
    writes.add(redis.zadd(RedisKeys.fxDays(), members).toCompletableFuture());
    writes.add(redis.incr(RedisKeys.fxVersion()).toCompletableFuture());
    return Stages.translate(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(x -> (Void) null));
  }

  @Override
  public CompletionStage<Map<String, String>> day(LocalDate date) {
    return Stages.translate(redis.hgetall(RedisKeys.fxDay(date)).thenApply(fields -> {
      Map<String, String> out = new HashMap<>();
      fields.forEach((k, v) -> out.put(text(k), text(v)));
      return out;
    }));
  }

  @Override
  public CompletionStage<List<LocalDate>> daysBefore(LocalDate onOrBefore, int limit) {
    return Stages.translate(redis.zrevrangebyscore(RedisKeys.fxDays(),
            Range.create((Number) Long.MIN_VALUE, (Number) onOrBefore.toEpochDay()), Limit.create(0, limit))
        .thenApply(members -> members.stream().map(m -> LocalDate.parse(text(m))).toList()));
  }

  @Override
  public CompletionStage<Long> dayCount() {
    return Stages.translate(redis.zcard(RedisKeys.fxDays()));
  }

  @Override
  public CompletionStage<Long> version() {
    return Stages.translate(redis.get(RedisKeys.fxVersion())
        .thenApply(v -> v == null ? 0L : Long.parseLong(text(v))));
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
