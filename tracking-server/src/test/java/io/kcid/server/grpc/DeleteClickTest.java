package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ClickService.DeleteClick removes every key derived from a click; proven by SCANning all of Redis. */
class DeleteClickTest {
  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(TestServers.config(redis.url()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    client = RedisClient.create(redis.url());
    connection = client.connect();
  }

  @AfterAll
  static void stop() {
    connection.close();
    client.shutdown();
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ClickServiceGrpc.ClickServiceBlockingStub clicks() {
    return ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions() {
    return ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static String click(String account) {
    return clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("spring").build())
        .getClick().getKcid();
  }

  private static RecordConversionRequest.Builder postback(String kcid, String token, String goal, String txid, String requestId) {
    return RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey(goal).setTransactionId(txid).setRequestId(requestId)
        .setCredentials(PostbackCredentials.newBuilder().setToken(token));
  }

  /** Every key in Redis whose name contains {@code text}, or which is a string whose value does. */
  private static List<String> keysMentioning(String text) {
    RedisCommands<String, String> sync = connection.sync();
    List<String> found = new ArrayList<>();
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = sync.scan(cursor, ScanArgs.Builder.limit(500));
      for (String key : page.getKeys()) {
        boolean valueMentions = "string".equals(sync.type(key)) && String.valueOf(sync.get(key)).contains(text);
        if (key.contains(text) || valueMentions) {
          found.add(key);
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    return found;
  }

  /** The postback attempts field of the click's state hash kc:{p}:x:<kcid> (null without one). */
  private static String attemptsOn(String kcid) {
    List<String> state = keysMentioning(kcid).stream().filter(k -> k.contains(":x:")).toList();
    return state.isEmpty() ? null : connection.sync().hget(state.get(0), "l");
  }

  /** Clicks stored: the fields of every bucket kc:{p}:k:<hour>:<b>. */
  private static long storedClicks() {
    RedisCommands<String, String> sync = connection.sync();
    return sync.keys("kc:{*}:k:*:*").stream().mapToLong(sync::hlen).sum();
  }

  /** Entries of every stream in Redis whose fields mention {@code text}. */
  private static long streamEntriesMentioning(String text) {
    RedisCommands<String, String> sync = connection.sync();
    long found = 0;
    for (String key : sync.keys("kc:{*}:s")) {
      if (!"stream".equals(sync.type(key))) {
        continue; // an account's secrets hash matches the pattern too
      }
      found += sync.xrange(key, io.lettuce.core.Range.create("-", "+")).stream()
          .filter(entry -> entry.getBody().values().stream().anyMatch(v -> v.contains(text)))
          .count();
    }
    return found;
  }

  @Test
  void deletingAClickRemovesEveryKeyDerivedFromIt() {
    CreateAccountResponse account = admin().createAccount(CreateAccountRequest.newBuilder().setDisplayName("Acme").build());
    String id = account.getAccount().getAccountId();
    String token = account.getSecrets().getPostbackToken();
    admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("order")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT).build());
    admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("view")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).build());
    String doomed = click(id);
    String kept = click(id);

    assertThat(conversions().recordConversion(postback(doomed, token, "order", "o-1", "req-1").build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(conversions().recordConversion(postback(doomed, token, "view", "", "req-2").build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(conversions().recordConversion(postback(doomed, token, "view", "", "").build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
    conversions().updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setKcid(doomed).setTransactionId("o-1")
        .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("chargeback").setRequestId("req-3").build());
    conversions().recordConversion(postback(kept, token, "view", "", "req-k").build());
    // The postback log writes its per-click attempts asynchronously: let them land first.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(
        () -> {
          assertThat(attemptsOn(doomed)).isNotBlank();
          assertThat(attemptsOn(kept)).isNotBlank();
        });
    // The state hash (with the 3 conversions as its fields), a history and the request-id replies.
    assertThat(keysMentioning(doomed)).as("keys of the click before deletion").hasSizeGreaterThanOrEqualTo(5);
    String state = keysMentioning(doomed).stream().filter(k -> k.contains(":x:")).findFirst().orElseThrow();
    assertThat(connection.sync().hkeys(state)).contains("1.s", "2.s", "3.s").doesNotContain("4.s");
    assertThat(storedClicks()).as("both clicks, fields of their hour's buckets").isEqualTo(2);
    assertThat(streamEntriesMentioning(doomed)).as("3 conversions and a status change").isEqualTo(4);
    List<String> keptKeys = keysMentioning(kept);

    assertThat(clicks().deleteClick(DeleteClickRequest.newBuilder().setKcid(doomed).build()).getDeletedConversions())
        .isEqualTo(3);

    assertThat(keysMentioning(doomed)).isEmpty();
    assertThat(storedClicks()).as("the deleted click's bucket field").isEqualTo(1);
    assertThat(keysMentioning(kept)).containsExactlyInAnyOrderElementsOf(keptKeys);
    // Its entries left the partition's conversion stream too; the other click's stayed.
    assertThat(streamEntriesMentioning(doomed)).isZero();
    assertThat(streamEntriesMentioning(kept)).isEqualTo(1);
    // Deleted means gone: reading, recording and deleting again all say so.
    assertThatThrownBy(() -> clicks().deleteClick(DeleteClickRequest.newBuilder().setKcid(doomed).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND));
    assertThatThrownBy(() -> conversions().recordConversion(postback(doomed, token, "view", "", "").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isIn(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND, ErrorReason.ERROR_REASON_CLICK_EXPIRED));
    // The account-wide claim on o-1 went with the click: the transaction can count on another click.
    assertThat(conversions().recordConversion(postback(kept, token, "order", "o-1", "").build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
  }

  @Test
  void aMalformedKcidIsRefusedWithoutTouchingRedis() {
    assertThatThrownBy(() -> clicks().deleteClick(DeleteClickRequest.newBuilder().setKcid("{kcid}").build()))
        .satisfies(e -> assertThat(reasonOf(e).name()).startsWith("ERROR_REASON_KCID_"));
  }
}
