package io.kcid.server.store.redis;

import io.kcid.server.store.TransactionClaims;
import io.kcid.server.store.redis.Scripts.ClaimTransaction;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Transaction-id claims under the account's hash tag (see {@code claim_transaction.lua}). */
public final class RedisTransactionClaims implements TransactionClaims {
  private static final LuaScript<ClaimTransaction> CLAIM = LuaScript.load(Scripts.CLAIM_TRANSACTION);

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
        durable.<List<Object>, ClaimTransaction>run(CLAIM, ScriptOutputType.MULTI,
                call(accountId, goalKey, transactionId, "claim", kcid, ttl.toMillis(), ""))
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
        durable.<Long, ClaimTransaction>run(CLAIM, ScriptOutputType.INTEGER,
                call(accountId, goalKey, transactionId, op, kcid, 0, conversionId))
            .thenApply(x -> (Void) null));
  }

  private static ScriptArgs<ClaimTransaction> call(String accountId, String goalKey, String transactionId,
      String op, String kcid, long ttlMillis, String conversionId) {
    return ScriptArgs.of(ClaimTransaction.class)
        .set(ClaimTransaction.CLAIM, RedisKeys.accountTransaction(accountId, goalKey, transactionId))
        .set(ClaimTransaction.OP, op)
        .set(ClaimTransaction.KCID, kcid)
        .set(ClaimTransaction.TTL_MS, Long.toString(ttlMillis))
        .set(ClaimTransaction.CONVERSION_ID, conversionId);
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
