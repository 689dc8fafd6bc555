package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.server.domain.Secrets;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Accounts under their own hash tag. Postback tokens are stored only as SHA-256 digests (the
 * token itself is shown once, at creation); click secrets must be kept in clear because they are
 * HMAC keys.
 */
public final class RedisAccountStore implements AccountStore {
  private static final LuaScript CREATE = LuaScript.fromClasspath("/lua/create_account.lua");
  private static final byte[] CLICK_SECRET = bytes("click_secret");
  private static final byte[] TOKEN_SHA256 = bytes("token_sha256");

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisAccountStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Boolean> create(Account account, AccountSecrets secrets, Goal firstGoal) {
    String id = account.getAccountId();
    String tokenDigest = Secrets.sha256Hex(secrets.getPostbackToken());
    // The token index goes first: an index entry without its account is harmless (the token
    // resolves to nothing), whereas an account whose token cannot be found would be broken.
    CompletionStage<Boolean> created =
        redis
            .set(RedisKeys.tokenIndex(tokenDigest), bytes(id))
            .thenCompose(
                ok ->
                    CREATE.<Long>run(
                        redis,
                        ScriptOutputType.INTEGER,
                        new byte[][] {
                          RedisKeys.account(id), RedisKeys.accountSecrets(id), RedisKeys.accountGoals(id)
                        },
                        account.toByteArray(),
                        bytes(secrets.getClickSecret()),
                        bytes(tokenDigest),
                        bytes(firstGoal.getGoalKey()),
                        firstGoal.toByteArray()))
            .thenCompose(
                result -> {
                  if (result == 1L) {
                    return redis.zadd(RedisKeys.accountIndex(), 0, bytes(id)).thenApply(n -> true);
                  }
                  // The id was taken: drop the index entry we wrote for the new token.
                  return redis.del(RedisKeys.tokenIndex(tokenDigest)).thenApply(n -> false);
                });
    return Stages.translate(created);
  }

  @Override
  public CompletionStage<Optional<AccountRecord>> load(String accountId) {
    // Three reads in one slot, pipelined on the shared connection.
    var account = redis.get(RedisKeys.account(accountId));
    var secrets = redis.hgetall(RedisKeys.accountSecrets(accountId));
    var goals = redis.hgetall(RedisKeys.accountGoals(accountId));
    CompletionStage<Optional<AccountRecord>> loaded =
        CompletableFuture.allOf(
                account.toCompletableFuture(),
                secrets.toCompletableFuture(),
                goals.toCompletableFuture())
            .thenApply(
                ignored -> {
                  byte[] accountBytes = account.toCompletableFuture().join();
                  if (accountBytes == null) {
                    return Optional.empty();
                  }
                  Map<byte[], byte[]> s = secrets.toCompletableFuture().join();
                  Map<String, Goal> goalsByKey = new HashMap<>();
                  goals.toCompletableFuture().join()
                      .forEach((k, v) -> goalsByKey.put(str(k), parseGoal(v)));
                  AccountSecrets.Builder sec = AccountSecrets.newBuilder();
                  s.forEach(
                      (k, v) -> {
                        if (java.util.Arrays.equals(k, CLICK_SECRET)) {
                          sec.setClickSecret(str(v));
                        } else if (java.util.Arrays.equals(k, TOKEN_SHA256)) {
                          // The digest stands in the token field: the clear token is never stored.
                          sec.setPostbackToken(str(v));
                        }
                      });
                  return Optional.of(
                      new AccountRecord(parseAccount(accountBytes), sec.build(), goalsByKey));
                });
    return Stages.translate(loaded);
  }

  @Override
  public CompletionStage<Optional<String>> accountIdForToken(String postbackToken) {
    return Stages.translate(
        redis
            .get(RedisKeys.tokenIndex(Secrets.sha256Hex(postbackToken)))
            .thenApply(v -> Optional.ofNullable(v).map(RedisAccountStore::str)));
  }

  @Override
  public CompletionStage<List<Account>> list(String afterId, int limit) {
    Range<byte[]> range =
        afterId.isEmpty()
            ? Range.unbounded()
            : Range.from(Range.Boundary.excluding(bytes(afterId)), Range.Boundary.unbounded());
    CompletionStage<List<Account>> listed =
        redis
            .zrangebylex(RedisKeys.accountIndex(), range, Limit.create(0, limit))
            .thenCompose(
                ids -> {
                  if (ids.isEmpty()) {
                    return CompletableFuture.completedFuture(List.<Account>of());
                  }
                  List<CompletableFuture<byte[]>> reads =
                      ids.stream()
                          .map(id -> redis.get(RedisKeys.account(str(id))).toCompletableFuture())
                          .toList();
                  return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                      .thenApply(
                          x ->
                              reads.stream()
                                  .map(CompletableFuture::join)
                                  .filter(b -> b != null)
                                  .map(RedisAccountStore::parseAccount)
                                  .toList());
                });
    return Stages.translate(listed);
  }

  @Override
  public CompletionStage<Boolean> createGoal(Goal goal) {
    return Stages.translate(
        redis.hsetnx(
            RedisKeys.accountGoals(goal.getAccountId()), bytes(goal.getGoalKey()), goal.toByteArray()));
  }

  @Override
  public CompletionStage<Void> updateGoal(Goal goal) {
    return Stages.translate(
        redis
            .hset(RedisKeys.accountGoals(goal.getAccountId()), bytes(goal.getGoalKey()),
                goal.toByteArray())
            .thenApply(x -> null));
  }

  @Override
  public CompletionStage<Void> updateAccount(Account account) {
    return Stages.translate(
        redis
            .set(RedisKeys.account(account.getAccountId()), account.toByteArray())
            .thenApply(x -> null));
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static Account parseAccount(byte[] b) {
    try {
      return Account.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt account record", e);
    }
  }

  private static Goal parseGoal(byte[] b) {
    try {
      return Goal.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt goal record", e);
    }
  }
}
