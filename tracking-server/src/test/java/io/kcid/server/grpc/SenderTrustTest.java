package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who sent a postback, decided before what it says, over real gRPC on a real redis-server: every
 * presented credential must be valid, click ownership comes before goal rules, and a sender that
 * has not proven to be the account learns nothing about it.
 */
class SenderTrustTest {
  private static final String STRANGER_IP = "203.0.113.5";

  private static LocalRedis redis;
  private static RunningServer running;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    running = RunningServer.start(TestServers.config(redis.url()), Duration.ofSeconds(60));
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
    diagnostics = running.diagnostics();
  }

  @AfterAll
  static void stop() {
    running.close();
    redis.close();
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.getDefaultInstance());
  }

  private static String id(CreateAccountResponse account) {
    return account.getAccount().getAccountId();
  }

  private static String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("web").build())
        .getClick().getKcid();
  }

  private static void auth(String account, PostbackAuth.Builder auth, boolean legacy) {
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(account).setPostbackAuth(auth)
        .setUpdateAuthMethods(true).setUpdateIpAllowlist(true) // the whole setting, as given
        .setLegacyHttp200(legacy).build());
  }

  private static PostbackCredentials.Builder token(CreateAccountResponse account) {
    return PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()).setClientIp(STRANGER_IP);
  }

  /** A signature over {@code body} with {@code secret} at time {@code t}. */
  private static PostbackCredentials.Builder signed(PostbackCredentials.Builder credentials, String secret, long t, byte[] body) {
    return credentials.setSignature(PostbackSigner.sign(secret, t, body)).setSignatureTimestamp(t)
        .setSignedBody(ByteString.copyFrom(body));
  }

  private static byte[] body(String kcid) {
    return ("{\"kcid\":\"" + kcid + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  private static void rejected(RecordConversionRequest request, ErrorReason reason) {
    assertThatThrownBy(() -> conversions.recordConversion(request))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(reason));
  }

  /** Everything a sender learns from a refusal: code, reason, message and metadata. */
  private record Answer(Status.Code code, String reason, String message, java.util.Map<String, String> metadata) {}

  private static Answer answer(RecordConversionRequest request) {
    Throwable t = catchThrowable(() -> conversions.recordConversion(request));
    assertThat(t).as("refused").isNotNull();
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    try {
      ErrorInfo info = status.getDetails(0).unpack(ErrorInfo.class);
      return new Answer(Status.fromThrowable(t).getCode(), info.getReason(), status.getMessage(), info.getMetadataMap());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** The sampled refusals of unauthenticated senders, kept apart from the account's log. */
  private static List<PostbackLogEntry> refusals(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setUnauthenticated(true)
        .setPageSize(1000).build()).getEntriesList();
  }

  private static List<PostbackLogEntry> log(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setPageSize(1000).build())
        .getEntriesList();
  }

  @Test
  void tokenPlusBadSignatureIsRefused() {
    long now = Instant.now().getEpochSecond();
    // A token-only account (the default) and one that accepts both.
    var tokenOnly = account();
    var both = account();
    auth(id(both), PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN)
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE), false);
    for (var account : List.of(tokenOnly, both)) {
      String kcid = click(id(account));
      String secret = account.getSecrets().getPostbackSigningSecret();
      RecordConversionRequest.Builder request = RecordConversionRequest.newBuilder().setKcid(kcid);
      rejected(request.clone().setCredentials(signed(token(account), "not-the-signing-secret", now, body(kcid))).build(),
          ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
      var tampered = signed(token(account), secret, now, body(kcid)).setSignedBody(ByteString.copyFrom(body("x")));
      rejected(request.clone().setCredentials(tampered).build(), ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
      rejected(request.clone().setCredentials(signed(token(account), secret, now - 3600, body(kcid))).build(),
          ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_STALE);
      assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build())
          .getConversionsList()).as("nothing recorded for %s", id(account)).isEmpty();
      // Both valid: recorded.
      assertThat(conversions.recordConversion(request.clone().setCredentials(signed(token(account), secret, now, body(kcid)))
          .build()).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    }
    // Through the batch RPC too.
    String kcid = click(id(both));
    var batch = conversions.recordConversions(RecordConversionsRequest.newBuilder()
        .addItems(RecordConversionRequest.newBuilder().setKcid(kcid)
            .setCredentials(signed(token(both), "not-the-signing-secret", now, body(kcid)))).build());
    assertThat(batch.getResults(0).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
  }

  @Test
  void crossAccountTokenGetsOwnershipMismatchBeforeGoalRules() {
    var a = account();
    var b = account();
    for (String goal : List.of("sale", "order")) {
      admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(a)).setGoalKey(goal).build());
    }
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(b)).setGoalKey("paused").setState(GoalState.GOAL_STATE_PAUSED).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(b)).setGoalKey("slow")
        .setMinTimeToConvert(com.google.protobuf.Duration.newBuilder().setSeconds(3600)).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(b)).setGoalKey("order")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT).build());
    String clickOfA = click(id(a));
    RecordConversionRequest.Builder fromB = RecordConversionRequest.newBuilder().setKcid(clickOfA).setCredentials(token(b));

    // B lacks "sale", has "paused" paused, "slow" needs an hour: none of that is B's business on A's click.
    rejected(fromB.clone().setGoalKey("sale").build(), ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    rejected(fromB.clone().setGoalKey("paused").build(), ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    rejected(fromB.clone().setGoalKey("slow").build(), ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    rejected(fromB.clone().setValue(io.kcid.proto.tracking.v1.Money.newBuilder().setAmount("-5")).build(),
        ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    // An account-wide transaction B holds on its own click is no duplicate on A's click.
    conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(click(id(b))).setCredentials(token(b))
        .setGoalKey("order").setTransactionId("T-1").build());
    rejected(fromB.clone().setGoalKey("order").setTransactionId("T-1").build(), ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    // A trusted gRPC caller naming B, too.
    rejected(RecordConversionRequest.newBuilder().setKcid(clickOfA).setAccountId(id(b)).setGoalKey("sale").build(),
        ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    // In a batch, each item.
    var batch = conversions.recordConversions(RecordConversionsRequest.newBuilder()
        .addItems(fromB.clone().setGoalKey("sale")).addItems(fromB.clone().setGoalKey("paused")).build());
    assertThat(batch.getResultsList()).extracting(r -> r.getError().getReason())
        .containsOnly(ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(clickOfA).build())
        .getConversionsList()).isEmpty();

    // B's own click, and a click nobody stored, keep the goal rule's answer.
    String clickOfB = click(id(b));
    rejected(RecordConversionRequest.newBuilder().setKcid(clickOfB).setCredentials(token(b)).setGoalKey("sale").build(),
        ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
    rejected(RecordConversionRequest.newBuilder().setKcid(clickOfB).setCredentials(token(b)).setGoalKey("paused").build(),
        ErrorReason.ERROR_REASON_GOAL_PAUSED);
    // A's token on A's click records.
    assertThat(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(clickOfA).setCredentials(token(a))
        .setGoalKey("sale").build()).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
  }

  @Test
  void unknownAndKnownAccountsLookAlikeToStrangers() {
    long now = Instant.now().getEpochSecond();
    var byToken = account();
    var legacy = account();
    auth(id(legacy), PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN), true);
    var bySignature = account();
    auth(id(bySignature), PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE), true);
    var byAddress = account();
    auth(id(byAddress), PostbackAuth.newBuilder().addIpAllowlist("10.9.9.0/24"), false);
    var tokenAndAddress = account();
    auth(id(tokenAndAddress), PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN)
        .addIpAllowlist("10.9.9.0/24"), false);
    List<String> known = List.of(id(byToken), id(legacy), id(bySignature), id(byAddress), id(tokenAndAddress));
    List<String> named = new ArrayList<>(known);
    named.add("nosuchacct");
    String someClick = click(id(byToken));

    // What a stranger can present: nothing, a guessed token, a signature made with a guessed secret.
    List<java.util.function.UnaryOperator<RecordConversionRequest.Builder>> shapes = List.of(
        r -> r.setCredentials(PostbackCredentials.newBuilder().setClientIp(STRANGER_IP)),
        r -> r.setCredentials(PostbackCredentials.newBuilder().setToken("pbt_guessed-token-0000").setClientIp(STRANGER_IP)),
        r -> r.setCredentials(signed(PostbackCredentials.newBuilder().setClientIp(STRANGER_IP), "guessed", now, body(r.getKcid()))));
    List<String> expected = List.of("POSTBACK_CREDENTIALS_MISSING", "POSTBACK_TOKEN_INVALID", "POSTBACK_SIGNATURE_INVALID");
    for (int s = 0; s < shapes.size(); s++) {
      List<Answer> answers = new ArrayList<>();
      for (String account : named) {
        String kcid = known.contains(account) ? click(account) : someClick;
        // Naming the account (a=) …
        answers.add(answer(shapes.get(s).apply(RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId(account)).build()));
        // … or letting the click name it.
        answers.add(answer(shapes.get(s).apply(RecordConversionRequest.newBuilder().setKcid(kcid)).build()));
      }
      Answer first = answers.get(0);
      assertThat(answers).as("shape %d", s).containsOnly(first);
      assertThat(first.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(first.reason()).isEqualTo(expected.get(s));
      assertThat(first.metadata()).isEmpty();
      String message = first.message().toLowerCase(Locale.ROOT);
      for (String telltale : List.of("allowlist", "does not accept", "instead", "belong", "nosuchacct")) {
        assertThat(message).doesNotContain(telltale);
      }
      for (String account : known) {
        assertThat(message).doesNotContain(account.toLowerCase(Locale.ROOT));
      }
    }

    // A token of a signature-only account tells its holder nothing about signatures: it is just invalid.
    Answer guessed = answer(RecordConversionRequest.newBuilder().setKcid(someClick)
        .setCredentials(PostbackCredentials.newBuilder().setToken("pbt_guessed-token-0000").setClientIp(STRANGER_IP)).build());
    Answer wrongMethod = answer(RecordConversionRequest.newBuilder().setKcid(click(id(bySignature)))
        .setCredentials(token(bySignature)).build());
    assertThat(wrongMethod).isEqualTo(guessed);
    // A valid, accepted token proves its holder is the account: from outside the allowlist it
    // hears why (IP_NOT_ALLOWED), as the account's own sender needs to.
    Answer outside = answer(RecordConversionRequest.newBuilder().setKcid(click(id(tokenAndAddress)))
        .setCredentials(token(tokenAndAddress)).build());
    assertThat(outside.reason()).isEqualTo("IP_NOT_ALLOWED");
    assertThat(outside.code()).isEqualTo(Status.Code.PERMISSION_DENIED);

    // The account's refusals of unauthenticated senders (kept apart from its log, sampled: these
    // few all are) have the precise diagnosis, and what the sender was told.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(refusals(id(byAddress))).anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED);
          assertThat(e.getMessage()).contains("IP allowlist").contains("203.0.113.0/24");
          assertThat(e.getSenderReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING);
          assertThat(e.getSenderMessage()).doesNotContain("allowlist");
          assertThat(e.getAuthenticated()).isFalse();
        }));
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(refusals(id(bySignature))).anySatisfy(e -> {
          assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
          assertThat(e.getMessage()).contains("does not accept postback tokens");
          assertThat(e.getSenderReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
        }));
    // The sender that proves to be the account hears the precise reason, as its setup asks.
    String kcid = click(id(bySignature));
    Answer stale = answer(RecordConversionRequest.newBuilder().setKcid(kcid).setCredentials(signed(
        PostbackCredentials.newBuilder().setClientIp(STRANGER_IP), bySignature.getSecrets().getPostbackSigningSecret(),
        now - 3600, body(kcid))).build());
    assertThat(stale.reason()).isEqualTo("POSTBACK_SIGNATURE_STALE");
    assertThat(stale.metadata()).containsEntry("legacyHttp200", "true");
  }

  @Test
  void signedClicksOfUnknownAndKnownAccountsLookAlike() {
    var known = account();
    String forged = "A".repeat(43);
    List<Answer> answers = new ArrayList<>();
    for (String account : List.of(id(known), "nosuchacct")) {
      Throwable t = catchThrowable(() -> clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account)
          .setCampaignId("web").setDestinationUrl("https://shop.example/").setClickSignature(forged).build()));
      com.google.rpc.Status status = StatusProto.fromThrowable(t);
      assertThat(reasonOf(t)).isEqualTo(ErrorReason.ERROR_REASON_CLICK_SIGNATURE_INVALID);
      answers.add(new Answer(Status.fromThrowable(t).getCode(), "", status.getMessage(), java.util.Map.of()));
    }
    assertThat(answers.get(1)).isEqualTo(answers.get(0));
    // A trusted caller issuing an unsigned click still hears that the account does not exist.
    assertThatThrownBy(() -> clicks.issueClick(IssueClickRequest.newBuilder().setAccountId("nosuchacct")
        .setCampaignId("web").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
  }
}
