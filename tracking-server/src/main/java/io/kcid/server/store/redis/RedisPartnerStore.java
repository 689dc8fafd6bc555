package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.PartnerStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Partners, one key each under their own hash tag, plus an id index. Single-key commands only
 * (SET NX / SET XX), so no script and no cross-slot access on a Cluster.
 */
public final class RedisPartnerStore implements PartnerStore {
  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisPartnerStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Boolean> create(Partner partner) {
    String id = partner.getPartnerId();
    // Record first, index second: an index entry always names a stored partner (a crash between
    // the two leaves an unlisted partner, which the next create of that id repairs).
    return Stages.translate(
        redis
            .set(RedisKeys.partner(id), partner.toByteArray(), SetArgs.Builder.nx())
            .thenCompose(
                ok -> {
                  if (!"OK".equals(ok)) {
                    return redis.zadd(RedisKeys.partnerIndex(), 0, bytes(id)).thenApply(n -> false);
                  }
                  return redis.zadd(RedisKeys.partnerIndex(), 0, bytes(id)).thenApply(n -> true);
                }));
  }

  @Override
  public CompletionStage<Optional<Partner>> load(String partnerId) {
    return Stages.translate(
        redis.get(RedisKeys.partner(partnerId)).thenApply(v -> Optional.ofNullable(v).map(RedisPartnerStore::parse)));
  }

  @Override
  public CompletionStage<Boolean> update(Partner partner) {
    return Stages.translate(
        redis
            .set(RedisKeys.partner(partner.getPartnerId()), partner.toByteArray(), SetArgs.Builder.xx())
            .thenApply("OK"::equals));
  }

  /**
   * The listing first, the record second: a delete interrupted between them leaves an unlisted
   * partner that can still be read — and deleted again — by id; never a listed id without a record
   * (which would shorten a page and end a caller's paging early).
   */
  @Override
  public CompletionStage<Boolean> delete(String partnerId) {
    return Stages.translate(
        redis
            .zrem(RedisKeys.partnerIndex(), bytes(partnerId))
            .thenCompose(n -> redis.del(RedisKeys.partner(partnerId),
                RedisKeys.destinations(DestinationOwner.partner(partnerId)),
                RedisKeys.destinationSecrets(DestinationOwner.partner(partnerId))))
            .thenApply(n -> n > 0));
  }

  @Override
  public CompletionStage<List<Partner>> list(String afterId, int limit) {
    Range<byte[]> range =
        afterId.isEmpty()
            ? Range.unbounded()
            : Range.from(Range.Boundary.excluding(bytes(afterId)), Range.Boundary.unbounded());
    CompletionStage<List<Partner>> listed =
        redis
            .zrangebylex(RedisKeys.partnerIndex(), range, Limit.create(0, limit))
            .thenCompose(
                ids -> {
                  List<CompletableFuture<byte[]>> reads =
                      ids.stream()
                          .map(id -> redis.get(RedisKeys.partner(str(id))).toCompletableFuture())
                          .toList();
                  return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                      .thenApply(
                          x -> {
                            List<Partner> found = new ArrayList<>();
                            // A partner is unlisted before its record goes, so an indexed id without a
                            // record is only one being deleted right now.
                            reads.forEach(r -> Optional.ofNullable(r.join()).map(RedisPartnerStore::parse)
                                .ifPresent(found::add));
                            return found;
                          });
                });
    return Stages.translate(listed);
  }

  private static String str(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static Partner parse(byte[] b) {
    try {
      return Partner.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt partner record", e);
    }
  }
}
