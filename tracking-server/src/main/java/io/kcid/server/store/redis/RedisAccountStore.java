package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AccountSecrets;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.server.common.RegionalSettings;
import io.kcid.server.common.Secrets;
import io.kcid.server.partner.Partners;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.AccountStore;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.IdempotentReply;
import io.kcid.server.store.SecretKinds;
import io.kcid.server.store.StoredSecrets;
import io.kcid.server.store.redis.Scripts.CreateAccount;
import io.kcid.server.store.redis.Scripts.RotateSecret;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
  private static final LuaScript<CreateAccount> CREATE = LuaScript.load(Scripts.CREATE_ACCOUNT);
  private static final LuaScript<RotateSecret> ROTATE = LuaScript.load(Scripts.ROTATE_SECRET);
  /** An in-flight idempotent write holds its request id this long at most. */
  private static final long IN_PROGRESS_TTL_MS = 60_000;
  /** Index entries read per step when listing one partner's accounts. */
  private static final int FILTERED_CHUNK = 500;
  /** Account reads in flight at once while listing. */
  private static final int READ_BATCH = 64;
  /** First answers of idempotent writes are kept this long. */
  private static final long REPLY_TTL_MS = java.time.Duration.ofHours(24).toMillis();

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
                        ScriptArgs.of(CreateAccount.class)
                            .set(CreateAccount.ACCOUNT, RedisKeys.account(id))
                            .set(CreateAccount.SECRETS, RedisKeys.accountSecrets(id))
                            .set(CreateAccount.GOALS, RedisKeys.accountGoals(id))
                            .set(CreateAccount.ACCOUNT_PB, account.toByteArray())
                            .set(CreateAccount.CLICK_SECRET, secrets.getClickSecret())
                            .set(CreateAccount.TOKEN_SHA256, tokenDigest)
                            .set(CreateAccount.GOAL_KEY, firstGoal.getGoalKey())
                            .set(CreateAccount.GOAL_PB, firstGoal.toByteArray())
                            .set(CreateAccount.SIGNING_SECRET, secrets.getPostbackSigningSecret())))
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
    // Four reads in one slot, pipelined on the shared connection.
    var account = redis.get(RedisKeys.account(accountId));
    var secrets = redis.hgetall(RedisKeys.accountSecrets(accountId));
    var goals = redis.hgetall(RedisKeys.accountGoals(accountId));
    var caps = redis.hgetall(RedisKeys.caps(accountId));
    CompletionStage<Optional<AccountRecord>> loaded =
        CompletableFuture.allOf(
                account.toCompletableFuture(),
                secrets.toCompletableFuture(),
                goals.toCompletableFuture(),
                caps.toCompletableFuture())
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
                  Map<String, String> fields = new HashMap<>();
                  s.forEach((k, v) -> fields.put(str(k), str(v)));
                  // Caps are kept beside the account (changed and audited one by one, see
                  // RedisCapStore) and read into it here.
                  var withCaps = parseAccount(accountBytes).toBuilder().clearConversionCaps()
                      .addAllConversionCaps(RedisCapStore.caps(caps.toCompletableFuture().join())).build();
                  return Optional.of(new AccountRecord(withCaps, secrets(fields), goalsByKey));
                });
    return Stages.translate(loaded);
  }

  @Override
  public CompletionStage<Optional<String>> accountIdForToken(String postbackToken) {
    return accountIdForTokenDigest(Secrets.sha256Hex(postbackToken));
  }

  @Override
  public CompletionStage<Optional<String>> accountIdForTokenDigest(String tokenDigest) {
    return Stages.translate(
        redis
            .get(RedisKeys.tokenIndex(tokenDigest))
            .thenApply(v -> Optional.ofNullable(v).map(RedisAccountStore::str)));
  }

  /**
   * Reads index pages until {@code limit} accounts are found or the index ends. An id whose record
   * is gone (a key lost or removed by hand, or an account deleted midway) is skipped and dropped
   * from the index, so a page is short only at the end — callers take a short page as the last one
   * — and the next listing does not read it again.
   */
  @Override
  public CompletionStage<List<Account>> list(String afterId, int limit) {
    return list(afterId, limit, "");
  }

  /**
   * A partner's accounts are picked from the whole index (there is no index per partner): the
   * cost of a page grows with the number of accounts, which suits an admin call. Accounts stored
   * before partners need no index entry this way (docs/architecture.md).
   */
  @Override
  public CompletionStage<List<Account>> list(String afterId, int limit, String partnerId) {
    return Stages.translate(listFrom(afterId, limit, partnerId, new ArrayList<>()));
  }

  private CompletionStage<List<Account>> listFrom(
      String afterId, int limit, String partnerId, List<Account> found) {
    int wanted = limit - found.size();
    // Filtering skips other partners' accounts: read the index in larger steps.
    int chunk = partnerId.isEmpty() ? wanted : Math.max(wanted, FILTERED_CHUNK);
    Range<byte[]> range =
        afterId.isEmpty()
            ? Range.unbounded()
            : Range.from(Range.Boundary.excluding(bytes(afterId)), Range.Boundary.unbounded());
    return redis
        .zrangebylex(RedisKeys.accountIndex(), range, Limit.create(0, chunk))
        .thenCompose(
            ids -> {
              if (ids.isEmpty()) {
                return CompletableFuture.completedFuture(found);
              }
              return readRecords(ids, 0, new ArrayList<>())
                  .thenCompose(
                      reads -> {
                        List<CompletableFuture<?>> repairs = new ArrayList<>();
                        String last = str(ids.get(ids.size() - 1));
                        for (int i = 0; i < ids.size() && found.size() < limit; i++) {
                          byte[] record = reads.get(i);
                          if (record == null) {
                            repairs.add(dropFromIndex(str(ids.get(i))));
                            continue;
                          }
                          Account account = parseAccount(record);
                          if (partnerId.isEmpty() || Partners.partnerOf(account).equals(partnerId)) {
                            found.add(account);
                          }
                        }
                        boolean more = ids.size() == chunk && found.size() < limit;
                        return CompletableFuture.allOf(repairs.toArray(CompletableFuture[]::new))
                            .thenCompose(
                                y -> more
                                    ? listFrom(last, limit, partnerId, found)
                                    : CompletableFuture.completedFuture(found));
                      });
            });
  }

  /**
   * The account records of {@code ids}, read {@link #READ_BATCH} at a time: a page of a thousand
   * must not put a thousand commands in the connection's queue at once (its bound refuses them).
   */
  private CompletableFuture<List<byte[]>> readRecords(List<byte[]> ids, int from, List<byte[]> records) {
    if (from >= ids.size()) {
      return CompletableFuture.completedFuture(records);
    }
    List<CompletableFuture<byte[]>> batch =
        ids.subList(from, Math.min(ids.size(), from + READ_BATCH)).stream()
            .map(id -> redis.get(RedisKeys.account(str(id))).toCompletableFuture())
            .toList();
    return CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new))
        .thenCompose(
            done -> {
              batch.forEach(read -> records.add(read.join()));
              return readRecords(ids, from + READ_BATCH, records);
            });
  }

  /**
   * Token index entries first (found through the secrets), then the account's own keys in one
   * DEL (one hash tag, so one atomic command on a Cluster too), the listing last: a delete
   * interrupted midway leaves the account loadable or at worst listed, and deleting it again
   * finishes the job. Without its token entries a half-deleted account refuses postbacks, which
   * is what it is about to do anyway.
   */
  @Override
  public CompletionStage<Boolean> delete(String accountId) {
    byte[] record = RedisKeys.account(accountId);
    CompletionStage<Boolean> deleted =
        redis
            .hmget(RedisKeys.accountSecrets(accountId), bytes("token_sha256"), bytes("token_sha256_prev"))
            .thenCompose(
                digests -> {
                  List<CompletableFuture<Long>> drops = new ArrayList<>();
                  digests.forEach(
                      digest -> digest.ifHasValue(
                          d -> drops.add(redis.del(RedisKeys.tokenIndex(str(d))).toCompletableFuture())));
                  return CompletableFuture.allOf(drops.toArray(CompletableFuture[]::new));
                })
            .thenCompose(x -> redis.hkeys(RedisKeys.caps(accountId)))
            .thenCompose(capIds -> {
              // Each cap's counters go with the account (reservations expire on their own).
              List<byte[]> counters = new ArrayList<>();
              capIds.forEach(capId -> counters.add(RedisKeys.capCounters(accountId, str(capId))));
              return counters.isEmpty()
                  ? CompletableFuture.completedFuture(0L)
                  : redis.del(counters.toArray(byte[][]::new));
            })
            .thenCompose(x -> redis.exists(record))
            .thenCompose(
                existed ->
                    redis
                        .del(record, RedisKeys.accountSecrets(accountId), RedisKeys.accountGoals(accountId),
                            RedisKeys.accountLog(accountId), RedisRefusalLog.sampleKey(accountId),
                            RedisRefusalLog.countKey(accountId),
                            RedisKeys.destinations(DestinationOwner.account(accountId)),
                            RedisKeys.destinationSecrets(DestinationOwner.account(accountId)),
                            RedisKeys.caps(accountId), RedisKeys.capAudit(accountId))
                        .thenCompose(n -> redis.zrem(RedisKeys.accountIndex(), bytes(accountId)))
                        .thenApply(n -> existed > 0));
    return Stages.translate(deleted);
  }

  /**
   * Drops an index entry whose account record is gone. The record is read again after the ZREM: an
   * account created with that id meanwhile (whose ZADD the ZREM may have undone) is put back.
   */
  private CompletableFuture<Void> dropFromIndex(String id) {
    return redis
        .zrem(RedisKeys.accountIndex(), bytes(id))
        .thenCompose(n -> redis.exists(RedisKeys.account(id)))
        .thenCompose(
            exists -> exists > 0
                ? redis.zadd(RedisKeys.accountIndex(), 0, bytes(id)).thenApply(n -> (Void) null)
                : CompletableFuture.<Void>completedFuture(null))
        .toCompletableFuture();
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
            // Caps live in their own hash: the record never keeps a (stale) copy.
            .set(RedisKeys.account(account.getAccountId()), account.toBuilder().clearConversionCaps().build().toByteArray(),
                SetArgs.Builder.xx())
            .thenApply(x -> null));
  }

  private static StoredSecrets secrets(Map<String, String> f) {
    return new StoredSecrets(
        f.get("token_sha256"), f.get("token_sha256_prev"), expiry(f.get("token_sha256_prev_exp")),
        f.get("click_secret"), f.get("click_secret_prev"), expiry(f.get("click_secret_prev_exp")),
        f.get("signing_secret"), f.get("signing_secret_prev"), expiry(f.get("signing_secret_prev_exp")));
  }

  private static Instant expiry(String epochMillis) {
    return epochMillis == null ? null : Instant.ofEpochMilli(Long.parseLong(epochMillis));
  }

  @Override
  public CompletionStage<Void> rotateSecret(
      String accountId, SecretKind kind, String newValue, Instant previousExpiry) {
    boolean token = kind == SecretKind.SECRET_KIND_POSTBACK_TOKEN;
    String stored = token ? Secrets.sha256Hex(newValue) : newValue;
    long expiryMs = previousExpiry == null ? 0 : previousExpiry.toEpochMilli();
    CompletionStage<Void> rotated =
        (token
                ? redis.set(RedisKeys.tokenIndex(stored), bytes(accountId)).thenApply(ok -> null)
                : CompletableFuture.<Object>completedFuture(null))
            .thenCompose(
                ignored ->
                    ROTATE.<byte[]>run(
                        redis,
                        ScriptOutputType.VALUE,
                        ScriptArgs.of(RotateSecret.class)
                            .set(RotateSecret.SECRETS, RedisKeys.accountSecrets(accountId))
                            .set(RotateSecret.FIELD, SecretKinds.field(kind))
                            .set(RotateSecret.VALUE, stored)
                            .set(RotateSecret.PREVIOUS_EXPIRE_AT_MS, Long.toString(expiryMs))))
            .thenCompose(
                old -> {
                  if (!token || old == null) {
                    return CompletableFuture.<Void>completedFuture(null);
                  }
                  // The old token resolves until its grace period ends, then vanishes by itself.
                  byte[] oldIndex = RedisKeys.tokenIndex(str(old));
                  CompletionStage<?> expire =
                      expiryMs > 0 ? redis.pexpireat(oldIndex, expiryMs) : redis.del(oldIndex);
                  return expire.thenApply(x -> (Void) null);
                });
    return Stages.translate(rotated);
  }

  @Override
  public CompletionStage<Optional<IdempotentReply>> beginRequest(
      String accountId, String requestId, String fingerprint) {
    byte[] key = RedisKeys.accountRequest(accountId, requestId);
    CompletionStage<Optional<IdempotentReply>> begun =
        redis
            .set(key, bytes("P|" + fingerprint), io.lettuce.core.SetArgs.Builder.nx().px(IN_PROGRESS_TTL_MS))
            .thenCompose(
                ok -> {
                  if ("OK".equals(ok)) {
                    return CompletableFuture.completedFuture(Optional.<IdempotentReply>empty());
                  }
                  return redis.get(key).thenApply(v -> Optional.of(parseReply(v, fingerprint)));
                });
    return Stages.translate(begun);
  }

  private static IdempotentReply parseReply(byte[] v, String fingerprint) {
    if (v == null) {
      // Expired between SET and GET: treat as still running; the caller retries.
      return new IdempotentReply(new byte[0], true, true);
    }
    String head = new String(v, 0, Math.min(v.length, 2 + fingerprint.length()), StandardCharsets.UTF_8);
    boolean same = head.length() == 2 + fingerprint.length() && head.substring(2).equals(fingerprint);
    if (v[0] == 'P') {
      return new IdempotentReply(new byte[0], true, same);
    }
    int offset = 3 + fingerprint.length();
    byte[] reply = offset <= v.length ? java.util.Arrays.copyOfRange(v, offset, v.length) : new byte[0];
    return new IdempotentReply(reply, false, same);
  }

  @Override
  public CompletionStage<Void> completeRequest(
      String accountId, String requestId, String fingerprint, byte[] reply) {
    byte[] head = bytes("D|" + fingerprint + "|");
    byte[] value = new byte[head.length + reply.length];
    System.arraycopy(head, 0, value, 0, head.length);
    System.arraycopy(reply, 0, value, head.length, reply.length);
    return Stages.translate(
        redis
            .set(RedisKeys.accountRequest(accountId, requestId), value,
                io.lettuce.core.SetArgs.Builder.px(REPLY_TTL_MS))
            .thenApply(x -> (Void) null));
  }

  @Override
  public CompletionStage<Void> abandonRequest(String accountId, String requestId) {
    return Stages.translate(
        redis.del(RedisKeys.accountRequest(accountId, requestId)).thenApply(x -> (Void) null));
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  /**
   * The stored account; one stored before partners existed (no partner_id) reads as belonging to
   * the default partner, and one stored before accounts had a time zone reads as "UTC" (its
   * currency stays empty) — the whole online migration, with no rewrite (docs/architecture.md).
   */
  private static Account parseAccount(byte[] b) {
    try {
      Account account = Account.parseFrom(b);
      if (!account.getPartnerId().isEmpty() && !account.getTimeZone().isEmpty()) {
        return account;
      }
      Account.Builder filled = account.toBuilder();
      if (account.getPartnerId().isEmpty()) {
        filled.setPartnerId(Partners.DEFAULT_ID);
      }
      if (account.getTimeZone().isEmpty()) {
        filled.setTimeZone(RegionalSettings.DEFAULT_TIME_ZONE);
      }
      return filled.build();
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
