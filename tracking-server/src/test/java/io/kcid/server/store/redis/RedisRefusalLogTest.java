package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.RefusalLog;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The unauthenticated refusals' Redis layout: a capped sample stream and hourly counts, against a real redis-server. */
class RedisRefusalLogTest {
  private static final Duration RETENTION = Duration.ofDays(7);

  private static LocalRedis redisServer;
  private static RedisConnector connector;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<byte[], byte[]> raw;
  private static RedisCommands<byte[], byte[]> redis;
  private static RedisRefusalLog refusals;
  private static RedisPostbackLog log;

  @BeforeAll
  static void start() {
    redisServer = LocalRedis.startTemporary();
    connector = RedisConnector.connect(redisServer.url(), Duration.ofSeconds(2), 1000);
    refusals = new RedisRefusalLog(connector.commands(), RETENTION);
    log = new RedisPostbackLog(connector.commands(), RETENTION, 1000);
    rawClient = RedisClient.create(redisServer.url());
    raw = rawClient.connect(ByteArrayCodec.INSTANCE);
    redis = raw.sync();
  }

  @AfterAll
  static void stop() {
    raw.close();
    rawClient.shutdown();
    connector.close();
    redisServer.close();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static PostbackLogEntry refused(String kcid) {
    return PostbackLogEntry.newBuilder().setOutcome(PostbackOutcome.POSTBACK_OUTCOME_REJECTED)
        .setReason(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING)
        .setRequest(RecordConversionRequest.newBuilder().setKcid(kcid)).build();
  }

  @Test
  void aFloodOfRefusalsStaysInItsOwnCappedStreamAndNeverTouchesTheAccountsLog() {
    String account = "acct-" + UUID.randomUUID();
    Instant now = Instant.now();
    String kept = join(log.append(account, Optional.empty(), PostbackLogEntry.newBuilder()
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).build(), now));
    for (int i = 0; i < 3 * RefusalLog.MAX_LENGTH; i++) {
      join(refusals.append(account, refused("k" + i), now));
    }
    byte[] sample = bytes("kc:{a:" + account + "}:log:refused");
    // MAXLEN ~: whole stream nodes (100 entries) are trimmed, so the cap holds to within one node.
    assertThat(redis.xlen(sample)).isBetween(RefusalLog.MAX_LENGTH, RefusalLog.MAX_LENGTH + 100);
    assertThat(redis.pttl(sample)).isBetween(RETENTION.toMillis() - 60_000, RETENTION.toMillis());
    assertThat(redis.xlen(bytes("kc:{a:" + account + "}:log"))).isEqualTo(1);
    assertThat(join(log.scanBackward(account, now.minusSeconds(60), now.plusSeconds(60), Optional.empty(), 10))
        .entries()).extracting(PostbackLogEntry::getLogId).containsExactly(kept);

    PostbackLog.Scan newest = join(refusals.scanBackward(account, now.minusSeconds(60), now.plusSeconds(60), Optional.empty(), 5));
    assertThat(newest.entries()).extracting(e -> e.getRequest().getKcid())
        .containsExactly("k2999", "k2998", "k2997", "k2996", "k2995");
    assertThat(newest.entries().get(0).getLogId()).matches("[0-9]+-[0-9]+");
    PostbackLog.Scan older = join(refusals.scanBackward(account, now.minusSeconds(60), now.plusSeconds(60),
        Optional.of(newest.entries().get(4).getLogId()), 1));
    assertThat(older.entries()).extracting(e -> e.getRequest().getKcid()).containsExactly("k2994");
  }

  @Test
  void countsAddUpByHourAndReasonAndOnlyTheRequestedHoursAreSummed() {
    String account = "acct-" + UUID.randomUUID();
    Instant now = Instant.parse("2026-12-03T12:30:00Z");
    Instant earlier = now.minus(Duration.ofHours(3));
    join(refusals.add(account, now, Map.of(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, 7L,
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, 2L), false, now));
    join(refusals.add(account, now, Map.of(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, 5L), false, now));
    join(refusals.add(account, earlier, Map.of(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, 100L), false, now));

    assertThat(join(refusals.counts(account, now.minus(Duration.ofHours(1)), now.plusSeconds(1)))).containsExactlyInAnyOrderEntriesOf(Map.of(
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, 12L, ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, 2L));
    assertThat(join(refusals.counts(account, earlier, now.plusSeconds(1))))
        .containsEntry(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, 112L);
    // The hour a range starts in counts whole: counters are by the hour.
    assertThat(join(refusals.counts(account, earlier.plus(Duration.ofMinutes(20)), earlier.plus(Duration.ofMinutes(21)))))
        .containsExactlyEntriesOf(Map.of(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, 100L));
    assertThat(join(refusals.counts("acct-" + UUID.randomUUID(), earlier, now))).isEmpty();

    byte[] key = bytes("kc:{a:" + account + "}:log:refused:n");
    assertThat(redis.hlen(key)).isEqualTo(3);
    assertThat(redis.pttl(key)).isPositive();
  }

  @Test
  void aTrimmingAddDropsTheHoursPastTheRetention() {
    String account = "acct-" + UUID.randomUUID();
    Instant now = Instant.now();
    join(refusals.add(account, now.minus(RETENTION).minus(Duration.ofHours(2)),
        Map.of(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED, 9L), false, now));
    join(refusals.add(account, now.minus(Duration.ofHours(1)), Map.of(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED, 1L), false, now));
    assertThat(redis.hlen(bytes("kc:{a:" + account + "}:log:refused:n"))).isEqualTo(2);
    join(refusals.add(account, now, Map.of(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED, 1L), true, now));
    assertThat(redis.hlen(bytes("kc:{a:" + account + "}:log:refused:n"))).isEqualTo(2);
    assertThat(join(refusals.counts(account, now.minus(RETENTION).minus(Duration.ofDays(1)), now.plusSeconds(1))))
        .containsExactlyEntriesOf(Map.of(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED, 2L));
  }

  @Test
  void theUnattributedLogHasCountsButNoSeparateSample() {
    Instant now = Instant.now();
    join(refusals.add(PostbackLog.UNATTRIBUTED, now, Map.of(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, 3L), false, now));
    assertThat(redis.exists(bytes("kc:log:unattributed:n"))).isEqualTo(1);
    assertThat(join(refusals.counts(PostbackLog.UNATTRIBUTED, now.minusSeconds(10), now.plusSeconds(1))))
        .containsEntry(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, 3L);
    assertThatThrownBy(() -> refusals.append(PostbackLog.UNATTRIBUTED, refused("k"), now))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
