package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Counting modes, goal rules, the status lifecycle and postback authentication, over gRPC on real
 * Redis — on one node, on a 3-primary Cluster and through Sentinel (each started once per class).
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Topology.class)
class ConversionRulesTest {
  @Parameter Topology topology;

  private static TestRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    server = TrackingServer.start(TestServers.config(redis.url()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.getDefaultInstance());
  }

  private static String click(String account, String campaign) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId(campaign).build())
        .getClick().getKcid();
  }

  private static void goal(String account, CreateGoalRequest.Builder goal) {
    admin.createGoal(goal.setAccountId(account).build());
  }

  private static RecordConversionRequest.Builder postback(String kcid, CreateAccountResponse account) {
    return RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()));
  }

  @Test
  void goalsRestrictedToCampaignsAndMinimumTime() {
    var a = account();
    String id = a.getAccount().getAccountId();
    goal(id, CreateGoalRequest.newBuilder().setGoalKey("install").addCampaignIds("app-campaign"));
    goal(id, CreateGoalRequest.newBuilder().setGoalKey("signup").setMinTimeToConvert(Duration.newBuilder().setSeconds(600)));
    String web = click(id, "web-campaign");
    assertThatThrownBy(() -> conversions.recordConversion(postback(web, a).setGoalKey("install").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_GOAL_CAMPAIGN_MISMATCH));
    assertThat(conversions.recordConversion(postback(click(id, "app-campaign"), a).setGoalKey("install").build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThatThrownBy(() -> conversions.recordConversion(postback(web, a).setGoalKey("signup").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_BELOW_MINIMUM_TIME));
  }

  @Test
  void uniqueTransactionPerAccountHoldsAcrossPartitionsAndUnderConcurrency() throws Exception {
    var a = account();
    String id = a.getAccount().getAccountId();
    goal(id, CreateGoalRequest.newBuilder().setGoalKey("order").setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT));
    // Two clicks in different partitions.
    String first = click(id, "c");
    String second;
    do {
      second = click(id, "c");
    } while (partition(second) == partition(first));
    RecordConversionResponse accepted = conversions.recordConversion(postback(first, a).setGoalKey("order").setTransactionId("T-1").build());
    assertThat(accepted.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    RecordConversionResponse elsewhere = conversions.recordConversion(postback(second, a).setGoalKey("order").setTransactionId("T-1").build());
    assertThat(elsewhere.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(elsewhere.getConversionId()).isEqualTo(accepted.getConversionId());
    assertThat(elsewhere.getDuplicateReason()).isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION);
    // The same postback retried (e.g. after a 503) is the same conversion, not a new one.
    RecordConversionResponse retried = conversions.recordConversion(postback(first, a).setGoalKey("order").setTransactionId("T-1").build());
    assertThat(retried.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(retried.getConversionId()).isEqualTo(accepted.getConversionId());

    // 40 clicks race for one transaction id: exactly one wins.
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      kcids.add(click(id, "c"));
    }
    var async = ConversionServiceGrpc.newFutureStub(channel);
    List<com.google.common.util.concurrent.ListenableFuture<RecordConversionResponse>> calls = new ArrayList<>();
    for (String k : kcids) {
      calls.add(async.withDeadlineAfter(60, TimeUnit.SECONDS).recordConversion(postback(k, a).setGoalKey("order").setTransactionId("T-race").build()));
    }
    int winners = 0;
    Set<String> winnerIds = new HashSet<>();
    for (var call : calls) {
      RecordConversionResponse r = call.get();
      if (r.getOutcome() == Outcome.OUTCOME_ACCEPTED) {
        winners++;
        winnerIds.add(r.getConversionId());
      }
    }
    assertThat(winners).isEqualTo(1);
  }

  private static int partition(String kcid) {
    return clicks.inspectKcid(io.kcid.proto.tracking.v1.InspectKcidRequest.newBuilder().setKcid(kcid).build()).getPartition();
  }

  @Test
  void statusLifecycleIsEnforcedAndAudited() {
    var a = account();
    String id = a.getAccount().getAccountId();
    goal(id, CreateGoalRequest.newBuilder().setGoalKey("sale").setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK));
    String kcid = click(id, "c");
    var pending = conversions.recordConversion(postback(kcid, a).setGoalKey("sale").setTransactionId("o-9")
        .setStatus(ConversionStatus.CONVERSION_STATUS_PENDING)
        .setValue(Money.newBuilder().setAmount("20.00").setCurrencyCode("EUR")).build());
    assertThat(pending.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);

    // The advertiser approves it with a second postback for the same transaction.
    var approved = conversions.recordConversion(postback(kcid, a).setGoalKey("sale").setTransactionId("o-9")
        .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).build());
    assertThat(approved.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(approved.getConversionId()).isEqualTo(pending.getConversionId());

    assertThatThrownBy(() -> conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder()
            .setConversionId(pending.getConversionId()).setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
    // A chargeback by transaction id, with the value adjusted.
    var reversed = conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder()
        .setKcid(kcid).setTransactionId("o-9").setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED)
        .setReason("chargeback 2026-11").setValue(Money.newBuilder().setAmount("0")).build()).getConversion();
    assertThat(reversed.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(reversed.getValue().getAmount()).isEqualTo("0");
    assertThat(reversed.getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(reversed.getOriginalValue().getAmount()).isEqualTo("20.00");
    assertThat(reversed.getHistoryList()).hasSize(2);
    assertThat(reversed.getHistory(0).getSource()).isEqualTo("postback");
    assertThat(reversed.getHistory(1).getReason()).isEqualTo("chargeback 2026-11");
    assertThat(reversed.getHistory(1).getValueBefore().getAmount()).isEqualTo("20.00");

    assertThatThrownBy(() -> conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder()
            .setConversionId(pending.getConversionId()).setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).setReason("x").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_STATUS_TRANSITION));
    assertThatThrownBy(() -> conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder()
            .setConversionId(pending.getConversionId()).setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setReason("x")
            .setValue(Money.newBuilder().setAmount("-5")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE));

    // Bulk: one good, one unknown conversion, one bad transition — each on its own.
    var bulk = conversions.updateConversionStatuses(UpdateConversionStatusesRequest.newBuilder()
        .addItems(UpdateConversionStatusRequest.newBuilder().setConversionId(pending.getConversionId())
            .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setReason("dispute won"))
        .addItems(UpdateConversionStatusRequest.newBuilder().setConversionId(kcid + "-99")
            .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setReason("x"))
        .addItems(UpdateConversionStatusRequest.newBuilder().setConversionId(pending.getConversionId())
            .setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).setReason("x"))
        .build());
    assertThat(bulk.getResults(0).getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(bulk.getResults(1).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_CONVERSION_NOT_FOUND);
    assertThat(bulk.getResults(2).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_STATUS_TRANSITION);
  }

  @Test
  void negativeValuesOnlyWhereTheGoalAllowsThem() {
    var a = account();
    String id = a.getAccount().getAccountId();
    goal(id, CreateGoalRequest.newBuilder().setGoalKey("refund").setAllowNegativeValue(true)
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK));
    String kcid = click(id, "c");
    assertThat(conversions.recordConversion(postback(kcid, a).setGoalKey("refund")
        .setValue(Money.newBuilder().setAmount("-12.5").setCurrencyCode("USD")).build()).getConversion().getValue().getAmount())
        .isEqualTo("-12.5");
    assertThatThrownBy(() -> conversions.recordConversion(postback(kcid, a)
            .setValue(Money.newBuilder().setAmount("-12.5").setCurrencyCode("USD")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE));
  }

  @Test
  void batchesAnswerPerItem() {
    var a = account();
    String kcid = click(a.getAccount().getAccountId(), "c");
    var response = conversions.recordConversions(RecordConversionsRequest.newBuilder()
        .addItems(postback(kcid, a))
        .addItems(postback("{kcid}", a))
        .addItems(postback(kcid, a))
        .build());
    assertThat(response.getResultsList()).extracting(r -> r.getIndex()).containsExactly(0, 1, 2);
    assertThat(response.getResults(1).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    // Items run concurrently: exactly one of the two identical postbacks is the conversion.
    assertThat(List.of(response.getResults(0).getResponse().getOutcome(), response.getResults(2).getResponse().getOutcome()))
        .containsExactlyInAnyOrder(Outcome.OUTCOME_ACCEPTED, Outcome.OUTCOME_DUPLICATE);
    RecordConversionsRequest.Builder tooMany = RecordConversionsRequest.newBuilder();
    for (int i = 0; i < 101; i++) {
      tooMany.addItems(postback(kcid, a));
    }
    assertThatThrownBy(() -> conversions.recordConversions(tooMany.build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_BATCH_TOO_LARGE));
  }

  @Test
  void everyWriteIsIdempotentByRequestId() {
    String id = "idem-" + System.nanoTime();
    var created = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).setRequestId("create-1").build());
    var again = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).setRequestId("create-1").build());
    assertThat(again).isEqualTo(created);
    var goal = CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("lead").setRequestId("goal-1").build();
    assertThat(admin.createGoal(goal)).isEqualTo(admin.createGoal(goal));
    var issue = IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("c").setRequestId("click-1").build();
    assertThat(clicks.issueClick(issue).getClick().getKcid()).isEqualTo(clicks.issueClick(issue).getClick().getKcid());
    assertThatThrownBy(() -> clicks.issueClick(issue.toBuilder().setCampaignId("other").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED));
  }

  @Test
  void rotatedTokensAndClickSecretsStayValidForTheirGracePeriod() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String oldToken = a.getSecrets().getPostbackToken();
    var rotated = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder().setAccountId(id)
        .setKind(SecretKind.SECRET_KIND_POSTBACK_TOKEN).setGracePeriod(Duration.newBuilder().setSeconds(3600)).build());
    String newToken = rotated.getSecrets().getPostbackToken();
    assertThat(newToken).isNotEqualTo(oldToken).startsWith("pbt_");
    assertThat(rotated.hasPreviousExpireTime()).isTrue();
    String k1 = click(id, "c");
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(k1)
        .setCredentials(PostbackCredentials.newBuilder().setToken(oldToken)).build()).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    String k2 = click(id, "c");
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(k2)
        .setCredentials(PostbackCredentials.newBuilder().setToken(newToken)).build()).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    // Revoked at once: the token before last stops working.
    String newest = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder().setAccountId(id)
        .setKind(SecretKind.SECRET_KIND_POSTBACK_TOKEN).setGracePeriod(Duration.getDefaultInstance()).build()).getSecrets().getPostbackToken();
    String k3 = click(id, "c");
    assertThatThrownBy(() -> conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(k3)
            .setCredentials(PostbackCredentials.newBuilder().setToken(newToken)).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID));
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(k3)
        .setCredentials(PostbackCredentials.newBuilder().setToken(newest)).build()).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);

    // Click secrets: a URL signed with the previous secret still works within the grace period.
    String oldSecret = a.getSecrets().getClickSecret();
    admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder().setAccountId(id).setKind(SecretKind.SECRET_KIND_CLICK_SECRET).build());
    Map<String, String> params = new LinkedHashMap<>(Map.of("a", id, "c", "c"));
    String sig = ClickUrlSigner.sign(oldSecret, ClickUrlSigner.canonicalQuery(params));
    assertThat(clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("c").setClickSignature(sig).build())
        .getClick().getKcid()).hasSize(32);
  }

  @Test
  void signedPostbacksIpAllowlistsAndLegacyMode() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String signing = a.getSecrets().getPostbackSigningSecret();
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setLegacyHttp200(true)
        .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
            .addIpAllowlist("127.0.0.0/8").addIpAllowlist("2001:db8::/32")).build());
    String kcid = click(id, "c");
    long now = Instant.now().getEpochSecond();
    byte[] body = ("{\"kcid\":\"" + kcid + "\"}").getBytes(StandardCharsets.UTF_8);
    java.util.function.BiFunction<Long, String, PostbackCredentials.Builder> signed = (t, ip) -> PostbackCredentials.newBuilder()
        .setSignature(PostbackSigner.sign(signing, t, body)).setSignatureTimestamp(t)
        .setSignedBody(ByteString.copyFrom(body)).setClientIp(ip);
    RecordConversionRequest.Builder request = RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId(id);

    // One byte changed in the body, a stale timestamp, a foreign address, a token: each refused.
    // Only a sender that proved to hold the account's secret learns more than "invalid" and gets
    // the account's legacy 200; a stranger learns nothing about the account.
    var tampered = signed.apply(now, "127.0.0.1").setSignedBody(ByteString.copyFromUtf8("{\"kcid\":\"x\"}"));
    assertReason(request.clone().setCredentials(tampered).build(), ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, false);
    assertReason(request.clone().setCredentials(signed.apply(now - 3600, "127.0.0.1")).build(), ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_STALE, true);
    assertReason(request.clone().setCredentials(signed.apply(now, "198.51.100.7")).build(), ErrorReason.ERROR_REASON_IP_NOT_ALLOWED, true);
    assertReason(RecordConversionRequest.newBuilder().setKcid(kcid).setCredentials(PostbackCredentials.newBuilder()
        .setToken(a.getSecrets().getPostbackToken()).setClientIp("127.0.0.1")).build(), ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, false);
    assertReason(request.clone().setCredentials(PostbackCredentials.newBuilder().setClientIp("127.0.0.1")).build(),
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, false);
    assertThat(conversions.recordConversion(request.clone().setCredentials(signed.apply(now, "127.0.0.1")).build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);

    // GET signatures cover the canonical query; the click's account is found without naming it.
    String kcid2 = click(id, "c");
    Map<String, String> query = Map.of("kcid", kcid2, "goal", "default");
    long t = Instant.now().getEpochSecond();
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid2)
        .setCredentials(PostbackCredentials.newBuilder().setSignature(PostbackSigner.sign(signing, t, PostbackSigner.queryPayload(query)))
            .setSignatureTimestamp(t).putAllSignedQuery(query).setClientIp("2001:db8::1")).build()).getOutcome())
        .isEqualTo(Outcome.OUTCOME_ACCEPTED);

    // IP allowlist alone (no credential method, said explicitly) authenticates.
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setUpdateAuthMethods(true)
        .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("10.1.2.3")).build());
    String kcid3 = click(id, "c");
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid3)
        .setCredentials(PostbackCredentials.newBuilder().setClientIp("10.1.2.3")).build()).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    // From another address it is not authenticated at all: answered as any postback without credentials.
    assertReason(RecordConversionRequest.newBuilder().setKcid(kcid3)
        .setCredentials(PostbackCredentials.newBuilder().setClientIp("10.1.2.4")).build(),
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, false);
  }

  @Test
  void rotatedSigningSecretsAndInvalidAuthSettings() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id)
        .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
            .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN)).build());
    String old = a.getSecrets().getPostbackSigningSecret();
    String fresh = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder().setAccountId(id)
        .setKind(SecretKind.SECRET_KIND_POSTBACK_SIGNING_SECRET).build()).getSecrets().getPostbackSigningSecret();
    for (String secret : List.of(old, fresh)) {
      String kcid = click(id, "c");
      byte[] body = kcid.getBytes(StandardCharsets.UTF_8);
      long t = Instant.now().getEpochSecond();
      assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId(id)
          .setCredentials(PostbackCredentials.newBuilder().setSignature(PostbackSigner.sign(secret, t, body))
              .setSignatureTimestamp(t).setSignedBody(ByteString.copyFrom(body))).build()).getOutcome())
          .isEqualTo(Outcome.OUTCOME_ACCEPTED);
    }
    assertThatThrownBy(() -> admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id)
            .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("not-an-ip")).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
  }

  private static void assertReason(RecordConversionRequest request, ErrorReason reason, boolean legacy) {
    assertThatThrownBy(() -> conversions.recordConversion(request))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(reason))
        .satisfies(e -> {
          ErrorInfo info = StatusProto.fromThrowable(e).getDetails(0).unpack(ErrorInfo.class);
          if (legacy) {
            assertThat(info.getMetadataMap()).containsEntry("legacyHttp200", "true");
          } else {
            assertThat(info.getMetadataMap()).doesNotContainKey("legacyHttp200");
          }
        });
  }
}
