package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The tracking-server over real gRPC, against a real redis-server. */
public class TrackingServerTest {
  private static LocalRedis redis;
  private static RunningServer running;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    running = RunningServer.start(TestServers.config(redis.url()), java.time.Duration.ofSeconds(30));
    channel = running.channel();
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
  }

  @AfterAll
  static void stop() {
    running.close();
    redis.close();
  }

  private static CreateAccountResponse newAccount() {
    return admin.createAccount(CreateAccountRequest.newBuilder().setDisplayName("Acme").build());
  }

  private static IssueClickResponse click(String account, String destination) {
    return clicks.issueClick(
        IssueClickRequest.newBuilder()
            .setAccountId(account)
            .setCampaignId("spring-sale")
            .putSubIds("s1", "pub-7")
            .setDestinationUrl(destination)
            .build());
  }

  private static RecordConversionRequest.Builder postback(String kcid, String token) {
    return RecordConversionRequest.newBuilder()
        .setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(token));
  }

  @Test
  void issuesAClickRecordsItsConversionOnceAndReadsItBack() {
    var account = newAccount();
    String id = account.getAccount().getAccountId();
    var issued = click(id, "https://shop.example/landing?x=1#top");
    String kcid = issued.getClick().getKcid();
    assertThat(kcid).hasSize(32).matches("[0-9a-hjkmnp-tv-z]{32}");
    assertThat(issued.getRedirectUrl()).isEqualTo("https://shop.example/landing?x=1&kcid=" + kcid + "#top");

    var stored = clicks.getClick(GetClickRequest.newBuilder().setKcid(kcid.toUpperCase()).build()).getClick();
    assertThat(stored.getAccountId()).isEqualTo(id);
    assertThat(stored.getCampaignId()).isEqualTo("spring-sale");
    assertThat(stored.getSubIdsMap()).containsEntry("s1", "pub-7");

    String token = account.getSecrets().getPostbackToken();
    RecordConversionResponse first = conversions.recordConversion(
        postback(kcid, token).setValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("eur")).setTransactionId("o-1").build());
    assertThat(first.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(first.getConversion().getValue().getAmount()).isEqualTo("12.50");
    assertThat(first.getConversion().getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(first.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);

    // Upper-cased by the advertiser's system: still the same click, and a duplicate.
    RecordConversionResponse again = conversions.recordConversion(postback(kcid.toUpperCase(), token).build());
    assertThat(again.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(again.getConversionId()).isEqualTo(first.getConversionId());
    assertThat(again.getDuplicateReason()).isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION);

    var read = conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(first.getConversionId()).build());
    assertThat(read.getConversion().getTransactionId()).isEqualTo("o-1");
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsList())
        .hasSize(1);
  }

  @Test
  void verifiesClickSignaturesOverTheRequestFields() {
    var account = newAccount();
    String id = account.getAccount().getAccountId();
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", id);
    params.put("c", "spring-sale");
    params.put("s1", "pub-7");
    params.put("u", "https://shop.example/{kcid}");
    String sig = ClickUrlSigner.sign(account.getSecrets().getClickSecret(), ClickUrlSigner.canonicalQuery(params));
    IssueClickRequest.Builder signed = IssueClickRequest.newBuilder()
        .setAccountId(id).setCampaignId("spring-sale").putSubIds("s1", "pub-7")
        .setDestinationUrl("https://shop.example/{kcid}").setClickSignature(sig);
    var ok = clicks.issueClick(signed.build());
    assertThat(ok.getRedirectUrl()).isEqualTo("https://shop.example/" + ok.getClick().getKcid());

    assertThatThrownBy(() -> clicks.issueClick(signed.clone().putSubIds("s1", "pub-8").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID));
  }

  @Test
  void refusesOpenRedirectDestinations() {
    String id = newAccount().getAccount().getAccountId();
    for (String evil : List.of("//evil.example", "javascript:alert(1)", "https://good.example@evil.example/", "https:\\\\evil.example")) {
      assertThatThrownBy(() -> click(id, evil))
          .as(evil)
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_INVALID))
          .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
  }

  @Test
  void diagnosesBadKcidsWithoutTouchingTheStore() {
    var account = newAccount();
    String token = account.getSecrets().getPostbackToken();
    String kcid = click(account.getAccount().getAccountId(), "").getClick().getKcid();
    // Character 20 lies in the random bits: a changed one must fail the MAC.
    char flipped = kcid.charAt(20) == 'a' ? 'b' : 'a';
    String forged = kcid.substring(0, 20) + flipped + kcid.substring(21);
    Map<String, ErrorReason> cases = Map.of(
        "{kcid}", ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED,
        kcid.substring(0, 20), ErrorReason.ERROR_REASON_KCID_TOO_SHORT,
        kcid + "x", ErrorReason.ERROR_REASON_KCID_TOO_LONG,
        forged, ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH,
        kcid.substring(0, 31) + "!", ErrorReason.ERROR_REASON_KCID_INVALID_CHARACTERS);
    cases.forEach((bad, reason) -> {
      assertThatThrownBy(() -> conversions.recordConversion(postback(bad, token).build()))
          .as(bad)
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(reason));
      var inspected = clicks.inspectKcid(InspectKcidRequest.newBuilder().setKcid(bad).build());
      assertThat(inspected.getValid()).isFalse();
      assertThat(inspected.getReason()).isEqualTo(reason);
      assertThat(inspected.getHint()).isNotBlank();
    });
    var good = clicks.inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid.toUpperCase()).build());
    assertThat(good.getValid()).isTrue();
    assertThat(good.getNormalizedKcid()).isEqualTo(kcid);
    assertThat(Instant.ofEpochSecond(good.getIssueTime().getSeconds())).isBetween(Instant.now().minusSeconds(60), Instant.now());
  }

  @Test
  void credentialsAreCheckedAndATokenNeverConvertsAnotherAccountsClick() {
    var a = newAccount();
    var b = newAccount();
    String kcidOfB = click(b.getAccount().getAccountId(), "").getClick().getKcid();
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcidOfB, a.getSecrets().getPostbackToken()).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH));
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcidOfB, "pbt_wrong").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID));
    // Nothing was written by the refused attempts: B's own postback is the first conversion.
    var ok = conversions.recordConversion(postback(kcidOfB, b.getSecrets().getPostbackToken()).build());
    assertThat(ok.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(ok.getConversionId()).endsWith("-1");
  }

  @Test
  void goalRulesApply() {
    var account = newAccount();
    String id = account.getAccount().getAccountId();
    String token = account.getSecrets().getPostbackToken();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("purchase")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK)
        .setDefaultValue(Money.newBuilder().setAmount("5").setCurrencyCode("USD"))
        .setAttributionWindow(Duration.newBuilder().setSeconds(3600)).build());
    String kcid = click(id, "").getClick().getKcid();

    var withDefault = conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t1").build());
    assertThat(withDefault.getConversion().getValue().getAmount()).isEqualTo("5");
    assertThat(conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t2").build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
    var dup = conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t1").build());
    assertThat(dup.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(dup.getDuplicateReason()).isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION);

    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("nope").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND));
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t9")
            .setValue(Money.newBuilder().setAmount("1.5").setCurrencyCode("XXQ")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_CURRENCY));
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t9")
            .setValue(Money.newBuilder().setAmount("1e3").setCurrencyCode("USD")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE));
    long later = Instant.now().getEpochSecond() + 2 * 3600;
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t3")
            .setEventTime(Timestamp.newBuilder().setSeconds(later)).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_EVENT_TIME_IN_FUTURE));
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t3")
            .setEventTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() - 3600)).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_EVENT_TIME_BEFORE_CLICK));
    // A click two hours old is outside the one-hour window (decided from the kcid alone).
    String old = new io.kcid.core.kcid.KcidCodec(TestServers.KEYS, 16).mintRandomPartition(Instant.now().minusSeconds(2 * 3600));
    assertThatThrownBy(() -> conversions.recordConversion(postback(old, token).setGoalKey("purchase").setTransactionId("t3").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW));

    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId(id).setGoalKey("purchase").setState(GoalState.GOAL_STATE_PAUSED).build());
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, token).setGoalKey("purchase").setTransactionId("t4").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
  }

  @Test
  void requestIdRetriesReturnTheFirstAnswer() {
    var account = newAccount();
    String id = account.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("event")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).build());
    String kcid = click(id, "").getClick().getKcid();
    var request = postback(kcid, account.getSecrets().getPostbackToken()).setGoalKey("event").setRequestId("req-42").build();
    var first = conversions.recordConversion(request);
    var retry = conversions.recordConversion(request);
    assertThat(retry.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(retry.getConversionId()).isEqualTo(first.getConversionId());
    // The retry says it repeats the first answer (conversions import reports such rows as duplicates).
    assertThat(first.getRepeatedRequest()).isFalse();
    assertThat(retry.getRepeatedRequest()).isTrue();
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsCount())
        .isEqualTo(1);
    assertThatThrownBy(() -> conversions.recordConversion(request.toBuilder().setTransactionId("other").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED));
  }

  @Test
  void manyConcurrentIdenticalPostbacksRecordExactlyOne() throws Exception {
    var account = newAccount();
    String kcid = click(account.getAccount().getAccountId(), "").getClick().getKcid();
    var async = ConversionServiceGrpc.newFutureStub(channel);
    var request = postback(kcid, account.getSecrets().getPostbackToken()).build();
    List<com.google.common.util.concurrent.ListenableFuture<RecordConversionResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(async.withDeadlineAfter(30, TimeUnit.SECONDS).recordConversion(request));
    }
    int accepted = 0;
    for (var call : calls) {
      if (call.get().getOutcome() == Outcome.OUTCOME_ACCEPTED) {
        accepted++;
      }
    }
    assertThat(accepted).isEqualTo(1);
  }

  @Test
  void unknownAccountsAndInvalidInputAreClientErrors() {
    assertThatThrownBy(() -> click("no-such-account", ""))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> click("Bad Id!", ""))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    String fixed = "dup-" + System.nanoTime();
    admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(fixed).build());
    assertThatThrownBy(() -> admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(fixed).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_ALREADY_EXISTS))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
  }

  @Test
  void redisOutageAnswersUnavailableAndRecoversByItself() throws Exception {
    Path dir = Files.createTempDirectory("kcid-outage");
    LocalRedis own = LocalRedis.start(0, dir, true);
    int port = own.port();
    TrackingServer s = TrackingServer.start(TestServers.config(own.url()));
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
    try {
      var adminStub = AdminServiceGrpc.newBlockingStub(ch);
      var clickStub = ClickServiceGrpc.newBlockingStub(ch);
      var health = HealthGrpc.newBlockingStub(ch);
      String id = adminStub.createAccount(CreateAccountRequest.getDefaultInstance()).getAccount().getAccountId();
      own.close();
      long started = System.nanoTime();
      assertThatThrownBy(() -> clickStub.withDeadlineAfter(5, TimeUnit.SECONDS)
              .issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("c").build()))
          .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.UNAVAILABLE))
          .satisfies(e -> assertThat(reasonOf(e)).isIn(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, ErrorReason.ERROR_REASON_STORE_TIMEOUT));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5000);
      org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
          assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.NOT_SERVING));

      // Same port, same data directory (AOF): the account is still there after the restart.
      LocalRedis back = LocalRedis.start(port, dir, true);
      try {
        org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() ->
            assertThat(clickStub.withDeadlineAfter(2, TimeUnit.SECONDS)
                .issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("c").build())
                .getClick().getKcid()).hasSize(32));
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() ->
            assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING));
      } finally {
        back.close();
      }
    } finally {
      ch.shutdownNow();
      s.close();
    }
  }

  @Test
  void shutdownTurnsHealthNotServingBeforeStopping() throws Exception {
    TrackingServer s = TrackingServer.start(TestServers.builder(redis.url())
        .drainDelay(java.time.Duration.ofMillis(1500)).build());
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
    try {
      var health = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS);
      assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
      Thread closer = new Thread(s::close);
      closer.start();
      org.awaitility.Awaitility.await().atMost(1, TimeUnit.SECONDS).untilAsserted(() ->
          assertThat(HealthGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.NOT_SERVING));
      closer.join(10_000);
      assertThat(closer.isAlive()).isFalse();
    } finally {
      ch.shutdownNow();
    }
  }
}
