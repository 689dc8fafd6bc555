package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.DestinationSecrets;
import io.kcid.server.store.DestinationStore;
import io.kcid.server.store.redis.Scripts.PutDestination;
import io.kcid.server.store.redis.Scripts.RotateDestinationSecret;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Destinations in one hash per owner ({@code kc:{a:<id>}:d}, {@code kc:{pt:<id>}:d}) and their
 * secrets in a second hash under the same hash tag, so a create or a rotation writes both in one
 * script on a Cluster too; a read of all of an owner's destinations is one HGETALL.
 */
public final class RedisDestinationStore implements DestinationStore {
  private static final LuaScript<PutDestination> PUT = LuaScript.load(Scripts.PUT_DESTINATION);
  private static final LuaScript<RotateDestinationSecret> ROTATE = LuaScript.load(Scripts.ROTATE_DESTINATION_SECRET);
  private static final String PREVIOUS = ":prev";
  private static final String PREVIOUS_EXPIRY = ":prev_exp";

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisDestinationStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Boolean> create(Destination destination, String signingSecret) {
    return put(destination, "create", signingSecret);
  }

  @Override
  public CompletionStage<Optional<Destination>> load(DestinationOwner owner, String destinationId) {
    return Stages.translate(
        redis.hget(RedisKeys.destinations(owner), bytes(destinationId))
            .thenApply(v -> Optional.ofNullable(v).map(RedisDestinationStore::parse)));
  }

  @Override
  public CompletionStage<List<Destination>> list(DestinationOwner owner) {
    return Stages.translate(
        redis.hgetall(RedisKeys.destinations(owner))
            .thenApply(all -> all.values().stream().map(RedisDestinationStore::parse)
                .sorted(Comparator.comparing(Destination::getDestinationId)).toList()));
  }

  @Override
  public CompletionStage<Boolean> update(Destination destination) {
    return put(destination, "update", "");
  }

  /** The record first, its secrets second: a secret left by an interrupted delete is cleared by the next create. */
  @Override
  public CompletionStage<Boolean> delete(DestinationOwner owner, String destinationId) {
    return Stages.translate(
        redis.hdel(RedisKeys.destinations(owner), bytes(destinationId))
            .thenCompose(n -> redis.hdel(RedisKeys.destinationSecrets(owner), bytes(destinationId),
                    bytes(destinationId + PREVIOUS), bytes(destinationId + PREVIOUS_EXPIRY))
                .thenApply(x -> n > 0)));
  }

  @Override
  public CompletionStage<Boolean> rotateSecret(Destination destination, String newSecret, Instant previousExpiry) {
    DestinationOwner owner = DestinationOwner.of(destination);
    long expiryMs = previousExpiry == null ? 0 : previousExpiry.toEpochMilli();
    return Stages.translate(
        ROTATE.<Long>run(redis, ScriptOutputType.INTEGER, ScriptArgs.of(RotateDestinationSecret.class)
                .set(RotateDestinationSecret.DESTINATIONS, RedisKeys.destinations(owner))
                .set(RotateDestinationSecret.SECRETS, RedisKeys.destinationSecrets(owner))
                .set(RotateDestinationSecret.DESTINATION_ID, destination.getDestinationId())
                .set(RotateDestinationSecret.RECORD, destination.toByteArray())
                .set(RotateDestinationSecret.SECRET, newSecret)
                .set(RotateDestinationSecret.PREVIOUS_EXPIRE_AT_MS, Long.toString(expiryMs)))
            .thenApply(n -> n == 1L));
  }

  @Override
  public CompletionStage<Map<String, DestinationSecrets>> secrets(DestinationOwner owner) {
    return Stages.translate(
        redis.hgetall(RedisKeys.destinationSecrets(owner)).thenApply(RedisDestinationStore::secretsByDestination));
  }

  private CompletionStage<Boolean> put(Destination destination, String mode, String secret) {
    DestinationOwner owner = DestinationOwner.of(destination);
    return Stages.translate(
        PUT.<Long>run(redis, ScriptOutputType.INTEGER, ScriptArgs.of(PutDestination.class)
                .set(PutDestination.DESTINATIONS, RedisKeys.destinations(owner))
                .set(PutDestination.SECRETS, RedisKeys.destinationSecrets(owner))
                .set(PutDestination.DESTINATION_ID, destination.getDestinationId())
                .set(PutDestination.RECORD, destination.toByteArray())
                .set(PutDestination.MODE, mode)
                .set(PutDestination.SECRET, secret))
            .thenApply(n -> n == 1L));
  }

  private static Map<String, DestinationSecrets> secretsByDestination(Map<byte[], byte[]> fields) {
    Map<String, String> raw = new HashMap<>();
    fields.forEach((k, v) -> raw.put(str(k), str(v)));
    Map<String, DestinationSecrets> result = new HashMap<>();
    raw.forEach((field, value) -> {
      if (field.endsWith(PREVIOUS) || field.endsWith(PREVIOUS_EXPIRY)) {
        return;
      }
      String expiry = raw.get(field + PREVIOUS_EXPIRY);
      result.put(field, new DestinationSecrets(value, raw.getOrDefault(field + PREVIOUS, ""),
          expiry == null ? null : Instant.ofEpochMilli(Long.parseLong(expiry))));
    });
    return Map.copyOf(result);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static Destination parse(byte[] b) {
    try {
      return Destination.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt destination record", e);
    }
  }
}
