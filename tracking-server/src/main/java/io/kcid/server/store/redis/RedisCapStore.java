package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapChange;
import io.kcid.server.store.CapStore;
import io.kcid.server.store.redis.Scripts.CapChange;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Caps in a hash and their audit in a list, under the account's tag (see {@code cap_change.lua}). */
public final class RedisCapStore implements CapStore {
  /** Audit entries kept per account. */
  static final int AUDIT_LENGTH = 1000;
  private static final LuaScript<CapChange> CHANGE = LuaScript.load(Scripts.CAP_CHANGE);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisCapStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<List<ConversionCap>> list(String accountId) {
    return Stages.translate(redis.hgetall(RedisKeys.caps(accountId)).thenApply(RedisCapStore::caps));
  }

  /** The caps of a stored hash, ordered by cap id. */
  static List<ConversionCap> caps(Map<byte[], byte[]> hash) {
    return hash.values().stream()
        .map(RedisCapStore::parseCap)
        .sorted(Comparator.comparing(ConversionCap::getCapId))
        .toList();
  }

  @Override
  public CompletionStage<Optional<ConversionCap>> find(String accountId, String capId) {
    return Stages.translate(redis.hget(RedisKeys.caps(accountId), bytes(capId))
        .thenApply(v -> Optional.ofNullable(v).map(RedisCapStore::parseCap)));
  }

  @Override
  public CompletionStage<Boolean> change(String accountId, ConversionCapChange change) {
    String capId = change.getCapId();
    ScriptArgs<CapChange> call = ScriptArgs.of(CapChange.class)
        .set(CapChange.CAPS, RedisKeys.caps(accountId))
        .set(CapChange.AUDIT, RedisKeys.capAudit(accountId))
        .set(CapChange.COUNTERS, RedisKeys.capCounters(accountId, capId))
        .set(CapChange.CAP_ID, capId)
        .set(CapChange.EXPECTED, change.hasBefore() ? change.getBefore().toByteArray() : new byte[0])
        .set(CapChange.REPLACEMENT, change.hasAfter() ? change.getAfter().toByteArray() : new byte[0])
        .set(CapChange.CHANGE, change.toByteArray())
        .set(CapChange.AUDIT_LENGTH, Integer.toString(AUDIT_LENGTH));
    return Stages.translate(CHANGE.<byte[]>run(redis, ScriptOutputType.VALUE, call)
        .thenApply(reply -> "OK".equals(new String(reply, StandardCharsets.UTF_8))));
  }

  @Override
  public CompletionStage<List<ConversionCapChange>> changes(String accountId, int limit) {
    return Stages.translate(redis.lrange(RedisKeys.capAudit(accountId), 0, limit - 1L)
        .thenApply(entries -> entries.stream().map(RedisCapStore::parseChange).toList()));
  }

  private static ConversionCap parseCap(byte[] bytes) {
    try {
      return ConversionCap.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt conversion cap", e);
    }
  }

  private static ConversionCapChange parseChange(byte[] bytes) {
    try {
      return ConversionCapChange.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt conversion cap change", e);
    }
  }
}
