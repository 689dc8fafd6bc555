package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.postback.RecordContext;
import io.kcid.server.postback.SignatureReplays;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.StoredSecrets;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The used-signature cache against a real redis-server: one SET NX on first use, single use after. */
class RedisSignatureReplayCacheTest {
  private static final String SIGNATURE = "c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

  private static LocalRedis redisServer;
  private static RedisConnector connector;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<byte[], byte[]> raw;
  private static RedisCommands<byte[], byte[]> redis;
  private static RedisSignatureReplayCache cache;
  private static SignatureReplays replays;

  @BeforeAll
  static void start() {
    redisServer = LocalRedis.startTemporary();
    connector = RedisConnector.connect(redisServer.url(), java.time.Duration.ofSeconds(2), 1000);
    cache = new RedisSignatureReplayCache(connector.commands());
    replays = new SignatureReplays(cache);
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

  @BeforeEach
  void flush() {
    redis.flushall();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static AccountRecord account(long toleranceSeconds) {
    return new AccountRecord(
        Account.newBuilder().setAccountId("acme")
            .setPostbackAuth(PostbackAuth.newBuilder().setSignatureTolerance(Duration.newBuilder().setSeconds(toleranceSeconds)))
            .build(),
        new StoredSecrets(null, null, null, "c", null, null, "s", null, null), Map.of());
  }

  private static RecordConversionRequest.Builder signed(String kcid) {
    return RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey("sale")
        .setCredentials(PostbackCredentials.newBuilder().setSignature(SIGNATURE).setSignatureTimestamp(1714564800L)
            .setSignedBody(com.google.protobuf.ByteString.copyFromUtf8("{\"kcid\":\"" + kcid + "\"}")).setClientIp("192.0.2.1"));
  }

  private static List<byte[]> signatureKeys() {
    return redis.keys("kc:{a:acme}:sg:*");
  }

  private static long commandsProcessed() {
    String info = redis.info("stats");
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("total_commands_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new AssertionError("no total_commands_processed in INFO");
  }

  @Test
  void aKeyIsClaimedOnceUnderTheAccountsHashTagWithAnExpiry() {
    byte[] key = {1, 2, 3};
    assertThat(join(cache.claim("acme", key, "r:first", java.time.Duration.ofSeconds(30)))).isEmpty();
    assertThat(join(cache.claim("acme", key, "r:second", java.time.Duration.ofSeconds(30)))).contains("r:first");
    assertThat(join(cache.claim("other", key, "r:x", java.time.Duration.ofSeconds(30)))).as("per account").isEmpty();

    byte[] redisKey = "kc:{a:acme}:sg:AQID".getBytes(StandardCharsets.UTF_8);
    assertThat(new String(redis.get(redisKey), StandardCharsets.UTF_8)).isEqualTo("r:first");
    assertThat(redis.pttl(redisKey)).isBetween(1L, 30_000L);

    join(cache.release("acme", key, "r:someone-else"));
    assertThat(redis.exists(redisKey)).as("only our own claim is released").isEqualTo(1L);
    join(cache.release("acme", key, "r:first"));
    assertThat(redis.exists(redisKey)).isZero();
    assertThat(join(cache.claim("acme", key, "r:third", java.time.Duration.ofSeconds(30)))).isEmpty();
  }

  @Test
  void theFirstUseCostsExactlyOneCommandAndLivesTwiceTheTolerancePlusAMinute() {
    long before = commandsProcessed();
    SignatureReplays.Claim claim = join(replays.claim(account(300), signed("K1").build(), RecordContext.postback(Instant.now())));
    long used = commandsProcessed() - before - 1; // the INFO call itself counts once
    assertThat(claim).isNotNull();
    assertThat(used).as("Redis commands on the accepted signed path").isEqualTo(1);
    assertThat(signatureKeys()).hasSize(1);
    assertThat(redis.pttl(signatureKeys().get(0))).isBetween(600_000L, 660_000L);
  }

  @Test
  void anUnsignedPostbackADryRunAReplayAndATokenAuthenticatedOneClaimNothing() {
    long before = commandsProcessed();
    assertThat(join(replays.claim(account(300), RecordConversionRequest.newBuilder().setKcid("K").build(),
        RecordContext.postback(Instant.now())))).isNull();
    assertThat(join(replays.claim(account(300), signed("K").build(), RecordContext.replay(Instant.now(), "1-0", true)))).isNull();
    assertThat(join(replays.claim(account(300), signed("K").build(), RecordContext.replay(Instant.now(), "1-0", false)))).isNull();
    RecordConversionRequest withToken = signed("K").setCredentials(signed("K").getCredentials().toBuilder().setToken("t0k")).build();
    assertThat(join(replays.claim(account(300), withToken, RecordContext.postback(Instant.now())))).isNull();
    assertThat(commandsProcessed() - before - 1).isZero();
    assertThat(signatureKeys()).isEmpty();
  }

  @Test
  void signatureReusedWithoutARequestIdIsRefused() {
    join(replays.claim(account(300), signed("K1").build(), RecordContext.postback(Instant.now())));
    assertReused(() -> join(replays.claim(account(300), signed("K1").build(), RecordContext.postback(Instant.now()))));
  }

  @Test
  void theSameSignedRequestWithItsRequestIdGoesOnToBeDeduplicatedAnotherRequestIdIsRefused() {
    RecordConversionRequest first = signed("K1").setRequestId("req-1").build();
    assertThat(join(replays.claim(account(300), first, RecordContext.postback(Instant.now())))).isNotNull();
    assertThat(join(replays.claim(account(300), first, RecordContext.postback(Instant.now()))))
        .as("the same request resent: on to the request-id dedupe").isNull();
    assertReused(() -> join(replays.claim(account(300), signed("K1").setRequestId("req-2").build(),
        RecordContext.postback(Instant.now()))));
    assertReused(() -> join(replays.claim(account(300), signed("K1").build(), RecordContext.postback(Instant.now()))));
  }

  @Test
  void itemsOfOneSignedBatchShareTheSignatureButEachClaimsItsOwnKey() {
    assertThat(join(replays.claim(account(300), signed("A").build(), RecordContext.postback(Instant.now())))).isNotNull();
    assertThat(join(replays.claim(account(300), signed("B").build(), RecordContext.postback(Instant.now())))).isNotNull();
    assertThat(signatureKeys()).hasSize(2);
  }

  @Test
  void aReleasedClaimLetsTheResendThrough() {
    SignatureReplays.Claim claim = join(replays.claim(account(300), signed("K1").build(), RecordContext.postback(Instant.now())));
    replays.release(claim);
    await(() -> signatureKeys().isEmpty());
    assertThat(join(replays.claim(account(300), signed("K1").build(), RecordContext.postback(Instant.now())))).isNotNull();
  }

  private static void await(java.util.function.BooleanSupplier condition) {
    for (int i = 0; i < 200 && !condition.getAsBoolean(); i++) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }

  private static void assertReused(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(KcidException.class)
        .satisfies(e -> {
          assertThat(((KcidException) e).reason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_REUSED);
          assertThat(e.getMessage()).doesNotContain(SIGNATURE);
        });
  }
}
