package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import io.kcid.server.store.TransactionClaims;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Transaction-id claims under the account's hash tag (see {@code claim_transaction.lua}). */
public final class RedisTransactionClaims implements TransactionClaims {
  private static final LuaScript CLAIM = LuaScript.fromClasspath("/lua/claim_transaction.lua");

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final DurableWrites durable;

  public RedisTransactionClaims(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this(redis, DurableWrites.unreplicated(redis));
  }

  /**
   * Claims go through {@code durable}: a claim lost in a failover would let a retried postback of
   * a per-account unique transaction count again on another click.
   */
  public RedisTransactionClaims(RedisClusterAsyncCommands<byte[], byte[]> redis, DurableWrites durable) {
    this.redis = redis;
    this.durable = durable;
  }

  @Override
  public CompletionStage<Holder> claim(
      String accountId, String goalKey, String transactionId, String kcid, Duration ttl) {
    return Stages.translate(
        durable.<List<Object>>run(CLAIM, ScriptOutputType.MULTI,
                new byte[][] {RedisKeys.accountTransaction(accountId, goalKey, transactionId)},
                bytes("claim"), bytes(kcid), bytes(Long.toString(ttl.toMillis())), bytes(""))
            .thenApply(r -> new Holder(text(r.get(0)), text(r.get(1)))));
  }

  @Override
  public CompletionStage<java.util.Optional<Holder>> peek(String accountId, String goalKey, String transactionId) {
    // The value is "<kcid>|<conversion id>", as claim_transaction.lua writes it.
    return Stages.translate(
        redis
            .get(RedisKeys.accountTransaction(accountId, goalKey, transactionId))
            .thenApply(
                value -> {
                  if (value == null) {
                    return java.util.Optional.<Holder>empty();
                  }
                  String text = text(value);
                  int bar = text.indexOf('|');
                  return java.util.Optional.of(bar < 0
                      ? new Holder(text, "")
                      : new Holder(text.substring(0, bar), text.substring(bar + 1)));
                }));
  }

  @Override
  public CompletionStage<Void> release(String accountId, String goalKey, String transactionId, String kcid) {
    return run("release", accountId, goalKey, transactionId, kcid, "");
  }

  @Override
  public CompletionStage<Void> settle(
      String accountId, String goalKey, String transactionId, String kcid, String conversionId) {
    return run("settle", accountId, goalKey, transactionId, kcid, conversionId);
  }

  @Override
  public CompletionStage<Void> drop(String accountId, String goalKey, String transactionId, String kcid) {
    return run("drop", accountId, goalKey, transactionId, kcid, "");
  }

  private CompletionStage<Void> run(
      String op, String accountId, String goalKey, String transactionId, String kcid, String conversionId) {
    return Stages.translate(
        durable.<Long>run(CLAIM, ScriptOutputType.INTEGER,
                new byte[][] {RedisKeys.accountTransaction(accountId, goalKey, transactionId)},
                bytes(op), bytes(kcid), bytes("0"), bytes(conversionId))
            .thenApply(x -> (Void) null));
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
