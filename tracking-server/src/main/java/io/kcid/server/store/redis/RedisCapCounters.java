package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import io.kcid.server.common.Secrets;
import io.kcid.server.store.CapCounters;
import io.kcid.server.store.redis.Scripts.CapFence;
import io.kcid.server.store.redis.Scripts.CapReserve;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Cap counters and reservations under the account's hash tag (see {@code cap_reserve.lua} and
 * {@code cap_fence.lua}): one script per step, each on the account's slot.
 */
public final class RedisCapCounters implements CapCounters {
  private static final LuaScript<CapReserve> RESERVE = LuaScript.load(Scripts.CAP_RESERVE);
  private static final LuaScript<CapFence> FENCE = LuaScript.load(Scripts.CAP_FENCE);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisCapCounters(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Decision> reserve(String accountId, String identity, List<Charge> charges, Duration ttl) {
    ScriptArgs<CapReserve> call = ScriptArgs.of(CapReserve.class)
        .set(CapReserve.RESERVATION, reservation(accountId, identity))
        .set(CapReserve.TOKEN, UUID.randomUUID().toString())
        .set(CapReserve.TTL_MS, Long.toString(Math.max(1, ttl.toMillis())));
    for (Charge c : charges) {
      call.add(CapReserve.COUNTERS, RedisKeys.capCounters(accountId, c.capId()))
          .add(CapReserve.CHARGES, c.period())
          .add(CapReserve.CHARGES, Long.toString(c.limit()))
          .add(CapReserve.CHARGES, Long.toString(c.increment()))
          .add(CapReserve.CHARGES, c.capId());
    }
    return Stages.translate(RESERVE.<List<Object>>run(redis, ScriptOutputType.MULTI, call)
        .thenApply(reply -> {
          String state = text(reply.get(0));
          return new Decision("O".equals(state) ? text(reply.get(2)) : "", text(reply.get(1)));
        }));
  }

  @Override
  public CompletionStage<Void> settle(String accountId, String identity, String token) {
    return fence(accountId, identity, token, "S");
  }

  @Override
  public CompletionStage<Void> release(String accountId, String identity, String token) {
    return fence(accountId, identity, token, "X");
  }

  private CompletionStage<Void> fence(String accountId, String identity, String token, String operation) {
    return Stages.translate(FENCE.<byte[]>run(redis, ScriptOutputType.VALUE, ScriptArgs.of(CapFence.class)
            .set(CapFence.RESERVATION, reservation(accountId, identity))
            .set(CapFence.OPERATION, operation)
            .set(CapFence.TOKEN, token))
        .thenApply(x -> (Void) null));
  }

  @Override
  public CompletionStage<Map<String, Long>> used(String accountId, Map<String, String> periodByCap) {
    Map<String, CompletableFuture<byte[]>> reads = new HashMap<>();
    periodByCap.forEach((cap, period) ->
        reads.put(cap, redis.hget(RedisKeys.capCounters(accountId, cap), bytes(period)).toCompletableFuture()));
    CompletionStage<Map<String, Long>> all = CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new))
        .thenApply(x -> {
          Map<String, Long> out = new HashMap<>();
          reads.forEach((cap, f) -> {
            byte[] v = f.join();
            out.put(cap, v == null ? 0L : Long.parseLong(text(v)));
          });
          return out;
        });
    return Stages.translate(all);
  }

  private static byte[] reservation(String accountId, String identity) {
    return RedisKeys.capReservation(accountId, Secrets.sha256Hex(identity).substring(0, 32));
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
