package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredential;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RefusalCount;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.postback.SenderRefusals;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attack 9: anyone can send postbacks that fail authentication while naming an account (by its
 * click). Over real gRPC on a real redis-server: such refusals never enter the account's postback
 * log, so no flood evicts what the advertiser really sent; they stay visible apart (a small sample)
 * and counted by reason, and a flood costs a bounded number of Redis writes.
 */
class UnauthenticatedRefusalsTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  /** The smallest postback log cap the server accepts: a flood just past it would evict. */
  private static final int LOG_CAP = 1000;
  private static final String IP = "203.0.113.77";

  private static LocalRedis redis;
  private static RunningServer running;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<String, String> raw;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    rawClient = RedisClient.create(redis.url());
    raw = rawClient.connect(StringCodec.UTF8);
    // One entry per stream node: MAXLEN ~ then trims exactly at the cap, as a full log would.
    raw.sync().configSet("stream-node-max-entries", "1");
    running = RunningServer.start(TestServers.builder(redis.url()).macKeys(KEYS).redisQueueSize(10_000)
        .postbackLogMaxLength(LOG_CAP).build(), Duration.ofSeconds(120));
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
    diagnostics = running.diagnostics();
  }

  @AfterAll
  static void stop() {
    raw.close();
    rawClient.shutdown();
    running.close();
    redis.close();
  }

  private static CreateAccountResponse account() {
    return running.newAccount();
  }

  private static String click(String account) {
    return running.issueClick(account, "web");
  }

  private static RecordConversionRequest.Builder withToken(String kcid, CreateAccountResponse account) {
    return RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()).setClientIp(IP));
  }

  /** Everything in a listing, paged. */
  private static List<PostbackLogEntry> all(ListPostbacksRequest.Builder request) {
    List<PostbackLogEntry> entries = new ArrayList<>();
    String token = "";
    do {
      ListPostbacksResponse page = diagnostics.listPostbacks(request.setPageSize(1000).setPageToken(token).build());
      entries.addAll(page.getEntriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return entries;
  }

  private static Map<ErrorReason, Long> counts(ListPostbacksRequest.Builder request) {
    return diagnostics.listPostbacks(request.setPageToken("").build()).getRefusalCountsList().stream()
        .collect(Collectors.toMap(RefusalCount::getReason, RefusalCount::getCount));
  }

  @Test
  void floodOfUnauthenticatedRefusalsNeverEvictsTheAccountsOwnPostbacks() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String kcid = click(id);
    // A full log of what the advertiser really sent: one conversion, then duplicates.
    for (int batch = 0; batch < LOG_CAP / 100; batch++) {
      RecordConversionsRequest.Builder items = RecordConversionsRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        items.addItems(withToken(kcid, a).setTransactionId("real-" + batch + "-" + i));
      }
      conversions.recordConversions(items.build());
    }
    ListPostbacksRequest.Builder log = ListPostbacksRequest.newBuilder().setAccountId(id);
    Awaitility.await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertThat(all(log)).hasSize(LOG_CAP));
    Set<String> authentic = all(log).stream().map(PostbackLogEntry::getLogId).collect(Collectors.toSet());

    // The flood: three times the log's cap, with no credentials or a forged signature, on the
    // account's own click (an attacker gets one by clicking its ad).
    long t = Instant.now().getEpochSecond();
    byte[] body = ("{\"kcid\":\"" + kcid + "\"}").getBytes(StandardCharsets.UTF_8);
    long floodStart = System.nanoTime();
    int flood = 3 * LOG_CAP;
    for (int batch = 0; batch < flood / 100; batch++) {
      RecordConversionsRequest.Builder items = RecordConversionsRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        PostbackCredentials.Builder forged = PostbackCredentials.newBuilder().setClientIp("198.51.100." + (i % 200));
        if (i % 2 == 1) {
          forged.setSignature(PostbackSigner.sign("not-the-secret", t, body)).setSignatureTimestamp(t)
              .setSignedBody(ByteString.copyFrom(body));
        }
        items.addItems(RecordConversionRequest.newBuilder().setKcid(kcid).setTransactionId("forged-" + batch + "-" + i)
            .setCredentials(forged));
      }
      var answers = conversions.recordConversions(items.build());
      assertThat(answers.getResultsList()).allSatisfy(r -> assertThat(r.hasError()).isTrue());
    }

    ListPostbacksRequest.Builder refusals = ListPostbacksRequest.newBuilder().setAccountId(id).setUnauthenticated(true);
    Awaitility.await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertThat(counts(log)).containsExactlyInAnyOrderEntriesOf(Map.of(
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, (long) flood / 2,
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, (long) flood / 2)));
    long floodSeconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - floodStart) + 1;

    // Every postback the advertiser sent is still listed, and nothing else is.
    List<PostbackLogEntry> after = all(log);
    assertThat(after).extracting(PostbackLogEntry::getLogId).containsExactlyInAnyOrderElementsOf(authentic);
    assertThat(after).allSatisfy(e -> {
      assertThat(e.getRequest().getTransactionId()).startsWith("real-");
      assertThat(e.getOutcome()).isIn(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED, PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE);
    });
    assertThat(raw.sync().xlen("kc:{a:" + id + "}:log")).isEqualTo(LOG_CAP);
    // The click's attempts (explain) hold only what the advertiser sent; the refusals come apart, sampled.
    var explained = diagnostics.explainClick(ExplainClickRequest.newBuilder().setKcid(kcid).build());
    assertThat(explained.getAttemptsList())
        .isNotEmpty().allSatisfy(e -> assertThat(e.getRequest().getTransactionId()).startsWith("real-"));
    assertThat(explained.getUnauthenticatedAttemptsList()).hasSizeBetween(1, 20)
        .allSatisfy(e -> assertThat(e.getRequest().getTransactionId()).startsWith("forged-"));

    // The refusals are visible apart: a sample, each with its reason, never a secret.
    List<PostbackLogEntry> sample = all(refusals);
    assertThat(sample).isNotEmpty().allSatisfy(e -> {
      assertThat(e.getAccountId()).isEqualTo(id);
      assertThat(e.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_REJECTED);
      assertThat(SenderRefusals.aboutSender(e.getReason())).as(e.getReason().name()).isTrue();
      assertThat(e.getRequest().getTransactionId()).startsWith("forged-");
      assertThat(e.getRequest().hasCredentials()).isFalse();
    });
    assertThat(counts(refusals)).isEqualTo(counts(log));
    // What the flood cost: a sample of a burst plus about one entry a second, not one write each.
    assertThat(raw.sync().xlen("kc:{a:" + id + "}:log:refused")).isLessThanOrEqualTo(5 + floodSeconds + 1);
  }

  @Test
  void refusedCredentialsAreKeptApartWhileTheAccountsOwnMistakesStayInItsLog() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("paused").setState(GoalState.GOAL_STATE_PAUSED).build());
    String kcid = click(id);
    // Authenticated: the account's valid token, refused by its own setup.
    assertThatThrownBy(() -> conversions.recordConversion(withToken(kcid, a).setGoalKey("paused").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED));
    // Authenticated: a trusted gRPC caller (no postback credentials) naming the account.
    conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId(id).build());
    // Not authenticated: the valid token from outside the allowlist, and no credentials at all.
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addIpAllowlist("198.51.100.0/24")).build());
    assertThatThrownBy(() -> conversions.recordConversion(withToken(kcid, a).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED));
    assertThatThrownBy(() -> conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
            .setCredentials(PostbackCredentials.newBuilder().setClientIp(IP)).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isIn(
            ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, ErrorReason.ERROR_REASON_IP_NOT_ALLOWED));

    ListPostbacksRequest.Builder log = ListPostbacksRequest.newBuilder().setAccountId(id);
    ListPostbacksRequest.Builder refusals = ListPostbacksRequest.newBuilder().setAccountId(id).setUnauthenticated(true);
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
      assertThat(all(log)).extracting(PostbackLogEntry::getCredential).containsExactly(
          PostbackCredential.POSTBACK_CREDENTIAL_TRUSTED_CALLER, PostbackCredential.POSTBACK_CREDENTIAL_TOKEN);
      assertThat(all(refusals)).hasSize(2);
      assertThat(counts(log).values().stream().mapToLong(Long::longValue).sum()).isEqualTo(2);
    });
    assertThat(all(log).get(1).getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);
    PostbackLogEntry outside = all(refusals).get(1);
    assertThat(outside.getReason()).isEqualTo(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED);
    assertThat(outside.getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_TOKEN);
    assertThat(outside.getMessage()).contains("203.0.113.0/24").doesNotContain(IP);
    assertThat(counts(log)).containsEntry(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED, all(refusals).stream()
        .filter(e -> e.getReason() == ErrorReason.ERROR_REASON_IP_NOT_ALLOWED).count());
  }

  @Test
  void unknownTokensAreSampledIntoTheUnattributedLogAndCounted() {
    var a = account();
    String kcid = click(a.getAccount().getAccountId());
    ListPostbacksRequest.Builder unattributed = ListPostbacksRequest.newBuilder().setUnattributed(true);
    long before = counts(unattributed).getOrDefault(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, 0L);
    RecordConversionsRequest.Builder items = RecordConversionsRequest.newBuilder();
    for (int i = 0; i < 100; i++) {
      items.addItems(RecordConversionRequest.newBuilder().setKcid(kcid).setTransactionId("guess-" + i)
          .setCredentials(PostbackCredentials.newBuilder().setToken("pbt_guess-" + i).setClientIp(IP)));
    }
    conversions.recordConversions(items.build());
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(counts(unattributed)).containsEntry(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, before + 100));
    Set<String> guesses = new HashSet<>();
    all(unattributed).forEach(e -> guesses.add(e.getRequest().getTransactionId()));
    guesses.removeIf(txid -> !txid.startsWith("guess-"));
    assertThat(guesses).isNotEmpty().hasSizeLessThan(100);
    assertThat(all(ListPostbacksRequest.newBuilder().setAccountId(a.getAccount().getAccountId()))).isEmpty();
  }

  @Test
  void theRefusalListingNeedsAnAccount() {
    assertThatThrownBy(() -> diagnostics.listPostbacks(
            ListPostbacksRequest.newBuilder().setUnattributed(true).setUnauthenticated(true).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    assertThatThrownBy(() -> diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setUnauthenticated(true).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
  }
}
