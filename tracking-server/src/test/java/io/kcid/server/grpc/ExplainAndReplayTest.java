package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.PostbackCredential;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.store.redis.testing.KeyspaceDigest;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** ExplainClick and ReplayPostbacks over real gRPC on a real redis-server. */
class ExplainAndReplayTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final KcidCodec CODEC = new KcidCodec(KEYS, 16);

  private static LocalRedis redis;
  private static RunningServer running;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<byte[], byte[]> raw;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    running = RunningServer.start(TestServers.builder(redis.url()).macKeys(KEYS).build(), Duration.ofSeconds(60));
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
    diagnostics = running.diagnostics();
    rawClient = RedisClient.create(redis.url());
    raw = rawClient.connect(ByteArrayCodec.INSTANCE);
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
    return running.issueClick(account, "spring");
  }

  private static RecordConversionRequest.Builder postback(String kcid, CreateAccountResponse account) {
    return RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder()
            .setToken(account.getSecrets().getPostbackToken()).setClientIp("198.51.100.20"));
  }

  private static void rejected(RecordConversionRequest request, ErrorReason reason) {
    assertThatThrownBy(() -> conversions.recordConversion(request))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(reason));
  }

  private static List<PostbackLogEntry> log(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setPageSize(1000).build())
        .getEntriesList();
  }

  /** The sampled refusals of unauthenticated senders, kept apart from the account's log. */
  private static List<PostbackLogEntry> refusals(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setUnauthenticated(true)
        .setPageSize(1000).build()).getEntriesList();
  }

  /** The unauthenticated refusals counted (and flushed to Redis) for the account so far. */
  private static long refusalCount(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setUnauthenticated(true)
        .setPageSize(1).build()).getRefusalCountsList().stream().mapToLong(c -> c.getCount()).sum();
  }

  /** The log once it holds {@code n} entries: log writes are not awaited by the postbacks' answers. */
  private static List<PostbackLogEntry> log(String account, int n) {
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(log(account)).hasSize(n));
    return log(account);
  }

  private static List<Conversion> conversionsOf(String kcid) {
    return conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsList();
  }

  /** Every key and value in Redis: equal digests mean nothing was written. */
  private static String digest() {
    return KeyspaceDigest.of(raw.sync());
  }

  private static ReplayedPostback replayOne(String account, String logId, boolean dryRun) {
    ReplayPostbacksResponse response = diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder()
        .setAccountId(account).addLogIds(logId).setDryRun(dryRun).build());
    assertThat(response.getDryRun()).isEqualTo(dryRun);
    assertThat(response.getResultsList()).hasSize(1);
    return response.getResults(0);
  }

  @Test
  void explainsAConvertedClick() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("paused").setState(GoalState.GOAL_STATE_PAUSED).build());
    String kcid = click(id);
    var accepted = conversions.recordConversion(postback(kcid, a).setTransactionId("o-1")
        .setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).build());
    conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setConversionId(accepted.getConversionId())
        .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setReason("paid").build());
    conversions.recordConversion(postback(kcid, a).build());
    rejected(postback(kcid, a).setGoalKey("paused").build(), ErrorReason.ERROR_REASON_GOAL_PAUSED);

    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(explain(kcid.toUpperCase(), "").getAttemptsList()).hasSize(3));
    ExplainClickResponse explained = explain(kcid.toUpperCase(), "");
    assertThat(explained.getDiagnosis().getValid()).isTrue();
    assertThat(explained.getDiagnosis().getNormalizedKcid()).isEqualTo(kcid);
    assertThat(explained.getClick().getCampaignId()).isEqualTo("spring");
    assertThat(explained.getClick().getAccountId()).isEqualTo(id);
    assertThat(explained.getClickMissingReason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(explained.getConversionsList()).singleElement().satisfies(c -> {
      assertThat(c.getConversionId()).isEqualTo(accepted.getConversionId());
      assertThat(c.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
      assertThat(c.getHistoryList()).singleElement().satisfies(h -> {
        assertThat(h.getFromStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
        assertThat(h.getReason()).isEqualTo("paid");
      });
    });
    assertThat(explained.getAttemptsList()).extracting(PostbackLogEntry::getOutcome).containsExactly(
        PostbackOutcome.POSTBACK_OUTCOME_REJECTED, PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE,
        PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED);
    assertThat(explained.getAttempts(0).getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);
    assertThat(explained.getAttemptsList()).allSatisfy(e -> assertThat(e.getLogId()).isNotEmpty());
    // The attempts' log ids are the account log's.
    assertThat(log(id).get(0).getLogId()).isEqualTo(explained.getAttempts(0).getLogId());
  }

  private static ExplainClickResponse explain(String kcid, String account) {
    return diagnostics.explainClick(ExplainClickRequest.newBuilder().setKcid(kcid).setAccountId(account).build());
  }

  @Test
  void explainsWhyAClickIsMissing() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String neverStored = CODEC.mintRandomPartition(Instant.now());
    ExplainClickResponse unknown = explain(neverStored, "");
    assertThat(unknown.getDiagnosis().getValid()).isTrue();
    assertThat(unknown.hasClick()).isFalse();
    assertThat(unknown.getClickMissingReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND);
    assertThat(unknown.getClickMissingHint()).isNotBlank();
    assertThat(unknown.getConversionsList()).isEmpty();
    assertThat(unknown.getAttemptsList()).isEmpty();

    // 40 days old: past the account's retention (30-day window + 1 day). Its account is known
    // from the logged attempt.
    String expired = CODEC.mintRandomPartition(Instant.now().minus(Duration.ofDays(40)));
    rejected(postback(expired, a).setEventTime(Timestamp.newBuilder()
        .setSeconds(Instant.now().minus(Duration.ofDays(39)).getEpochSecond())).build(), ErrorReason.ERROR_REASON_CLICK_EXPIRED);
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(explain(expired, "").getAttemptsList()).hasSize(1));
    ExplainClickResponse gone = explain(expired, "");
    assertThat(gone.getClickMissingReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_EXPIRED);
    assertThat(gone.getClickMissingHint()).contains("expired");
    assertThat(gone.getAttempts(0).getReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_EXPIRED);
    assertThat(gone.getAttempts(0).getAccountId()).isEqualTo(id);

    // Without attempts, the account named in the request judges it.
    String quiet = CODEC.mintRandomPartition(Instant.now().minus(Duration.ofDays(40)));
    assertThat(explain(quiet, "").getClickMissingReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND);
    assertThat(explain(quiet, id).getClickMissingReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_EXPIRED);
    // Older than any account keeps clicks: expired, whoever owned it.
    assertThat(explain(CODEC.mintRandomPartition(Instant.now().minus(Duration.ofDays(500))), "").getClickMissingReason())
        .isEqualTo(ErrorReason.ERROR_REASON_CLICK_EXPIRED);
  }

  @Test
  void explainsAMacroKcidWithItsLoggedAttempts() {
    var a = account();
    String id = a.getAccount().getAccountId();
    rejected(postback("{kcid}", a).setTransactionId("macro-1").build(), ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(explain("{kcid}", id).getAttemptsList()).isNotEmpty());
    ExplainClickResponse macro = explain("{kcid}", id);
    assertThat(macro.getDiagnosis().getValid()).isFalse();
    assertThat(macro.getDiagnosis().getReason()).isEqualTo(ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    assertThat(macro.getDiagnosis().getHint()).isNotBlank();
    assertThat(macro.hasClick()).isFalse();
    assertThat(macro.getClickMissingReason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(macro.getConversionsList()).isEmpty();
    assertThat(macro.getAttemptsList()).singleElement().satisfies(e -> {
      assertThat(e.getRequest().getTransactionId()).isEqualTo("macro-1");
      assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    });

    // Sent with a bad token: no account, but the unattributed log has it.
    rejected(RecordConversionRequest.newBuilder().setKcid("%7Bclickid%7D").setTransactionId("macro-2")
        .setCredentials(PostbackCredentials.newBuilder().setToken("pbt_wrong-token-for-sure")).build(),
        ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(explain("%7BCLICKID%7D", "").getAttemptsList())
            .anySatisfy(e -> assertThat(e.getRequest().getTransactionId()).isEqualTo("macro-2")));
  }

  @Test
  void replaysAPostbackRejectedForAPausedGoalOnceItIsResumed() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").setState(GoalState.GOAL_STATE_PAUSED).build());
    String kcid = click(id);
    rejected(postback(kcid, a).setGoalKey("sale").setTransactionId("order-9").build(), ErrorReason.ERROR_REASON_GOAL_PAUSED);
    PostbackLogEntry original = log(id, 1).get(0);
    assertThat(original.getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);

    // Still paused: the dry run says it would still be rejected, and why.
    ReplayedPostback stillPaused = replayOne(id, original.getLogId(), true);
    assertThat(stillPaused.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_REJECTED);
    assertThat(stillPaused.getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);
    assertThat(stillPaused.getOriginalReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);

    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").setState(GoalState.GOAL_STATE_ACTIVE).build());
    String before = digest();
    ReplayedPostback dry = replayOne(id, original.getLogId(), true);
    assertThat(dry.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    assertThat(dry.getConversionId()).isEqualTo(kcid + "-1");
    assertThat(dry.getMessage()).startsWith("Would be recorded");
    assertThat(dry.getKcid()).isEqualTo(kcid);
    assertThat(digest()).as("a dry run writes nothing").isEqualTo(before);
    assertThat(conversionsOf(kcid)).isEmpty();

    ReplayedPostback replayed = replayOne(id, original.getLogId(), false);
    assertThat(replayed.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    assertThat(replayed.getConversionId()).isEqualTo(kcid + "-1");
    assertThat(digest()).as("the digest sees what a replay writes").isNotEqualTo(before);
    assertThat(conversionsOf(kcid)).singleElement().satisfies(c -> {
      assertThat(c.getTransactionId()).isEqualTo("order-9");
      assertThat(c.getGoalKey()).isEqualTo("sale");
      // Judged and dated as when the postback arrived, not when it was replayed.
      assertThat(c.getEventTime().getSeconds()).isEqualTo(original.getReceiveTime().getSeconds());
    });
    PostbackLogEntry replayEntry = log(id, 2).get(0);
    assertThat(replayEntry.getReplayOf()).isEqualTo(original.getLogId());
    assertThat(replayEntry.getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_REPLAY);
    assertThat(replayEntry.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED);
    assertThat(replayEntry.getRequest().getRequestId()).isEqualTo("replay-" + original.getLogId());

    // Again, and as a dry run: a duplicate, nothing new.
    ReplayedPostback again = replayOne(id, original.getLogId(), false);
    assertThat(again.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE);
    assertThat(again.getConversionId()).isEqualTo(kcid + "-1");
    assertThat(replayOne(id, original.getLogId(), true).getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE);
    assertThat(conversionsOf(kcid)).hasSize(1);
    // Logged as what it was: a replay that met a duplicate (the earlier replay's conversion), nothing written.
    PostbackLogEntry replayedAgain = log(id, 3).get(0);
    assertThat(replayedAgain.getRepeatedRequest()).isTrue();
    assertThat(replayedAgain.getReplayOf()).isEqualTo(original.getLogId());
    assertThat(replayedAgain.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE);
    assertThat(replayedAgain.getConversionId()).isEqualTo(kcid + "-1");
    assertThat(replayedAgain.getMessage()).startsWith("Already replayed");

    // Only rejected originals are replayed.
    assertThat(replayOne(id, replayEntry.getLogId(), false).getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_SKIPPED);
    ReplayedPostback missing = replayOne(id, "1-0", false);
    assertThat(missing.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_NOT_FOUND);
    assertThat(missing.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_LOG_ENTRY_NOT_FOUND);
    assertThat(conversionsOf(kcid)).hasSize(1);
  }

  @Test
  void aDryRunOfAnAccountWideTransactionLooksAtItsClaimWithoutTakingIt() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("order").setState(GoalState.GOAL_STATE_PAUSED)
        .setCountingMode(io.kcid.proto.tracking.v1.CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT).build());
    String first = click(id);
    String second = click(id);
    rejected(postback(first, a).setGoalKey("order").setTransactionId("T-1").build(), ErrorReason.ERROR_REASON_GOAL_PAUSED);
    String logId = log(id, 1).get(0).getLogId();
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId(id).setGoalKey("order").setState(GoalState.GOAL_STATE_ACTIVE).build());

    String before = digest();
    assertThat(replayOne(id, logId, true).getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    assertThat(digest()).as("the account-wide claim was not taken").isEqualTo(before);

    // Meanwhile the same order was recorded on another click: the replay would now be a duplicate.
    String holder = conversions.recordConversion(postback(second, a).setGoalKey("order").setTransactionId("T-1").build())
        .getConversionId();
    ReplayedPostback dry = replayOne(id, logId, true);
    assertThat(dry.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE);
    assertThat(dry.getReason()).isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION);
    assertThat(dry.getConversionId()).isEqualTo(holder);
    assertThat(replayOne(id, logId, false).getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE);
    assertThat(conversionsOf(first)).isEmpty();
  }

  @Test
  void replaysATimeRangeByReasonOldestFirstAndPages() {
    var a = account();
    String id = a.getAccount().getAccountId();
    Timestamp since = Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(60).getEpochSecond()).build();
    List<String> kcids = List.of(click(id), click(id), click(id));
    conversions.recordConversion(postback(kcids.get(0), a).build());
    for (String kcid : kcids) {
      rejected(postback(kcid, a).setGoalKey("install").build(), ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
    }
    rejected(postback(kcids.get(1), a).setValue(io.kcid.proto.tracking.v1.Money.newBuilder().setAmount("x")).build(),
        ErrorReason.ERROR_REASON_INVALID_VALUE);
    ReplayPostbacksRequest range = ReplayPostbacksRequest.newBuilder().setAccountId(id).setStartTime(since)
        .setReason(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND).setDryRun(true).build();

    ReplayPostbacksResponse preview = diagnostics.replayPostbacks(range);
    assertThat(preview.getResultsList()).extracting(ReplayedPostback::getKcid).containsExactlyElementsOf(kcids);
    assertThat(preview.getResultsList()).allSatisfy(r -> {
      assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_REJECTED);
      assertThat(r.getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
    });

    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("install").build());
    ReplayPostbacksResponse first = diagnostics.replayPostbacks(range.toBuilder().setDryRun(false).setPageSize(2).build());
    assertThat(first.getResultsList()).extracting(ReplayedPostback::getOutcome)
        .containsExactly(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED, ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    assertThat(first.getNextPageToken()).isNotEmpty();
    ReplayPostbacksResponse second = diagnostics.replayPostbacks(range.toBuilder().setDryRun(false).setPageSize(2)
        .setPageToken(first.getNextPageToken()).build());
    assertThat(second.getResultsList()).extracting(ReplayedPostback::getKcid).containsExactly(kcids.get(2));
    assertThat(second.getNextPageToken()).isEmpty();
    for (String kcid : kcids) {
      assertThat(conversionsOf(kcid)).filteredOn(c -> c.getGoalKey().equals("install")).hasSize(1);
    }
    // The whole range again: the replays' own entries are not selected, the originals are duplicates now.
    assertThat(diagnostics.replayPostbacks(range.toBuilder().setDryRun(false).build()).getResultsList())
        .hasSize(3).allSatisfy(r -> assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE));

    assertThatThrownBy(() -> diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder().setAccountId(id).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
    assertThatThrownBy(() -> diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder().setAccountId(id).addLogIds("x").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    assertThatThrownBy(() -> diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder().setAccountId("nobody").addLogIds("1-0").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
  }

  @Test
  void replayOfUnauthenticatedPostbackRecordsNothing() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String kcid = click(id);
    io.kcid.proto.tracking.v1.Money loot = io.kcid.proto.tracking.v1.Money.newBuilder()
        .setAmount("9999.00").setCurrencyCode("USD").build();
    // No credentials at all, naming the account; a signature made with a guessed secret; the
    // account's valid token from a sender with a bad signature next to it.
    rejected(RecordConversionRequest.newBuilder().setKcid(kcid).setAccountId(id).setValue(loot).setTransactionId("attacker-1")
        .setCredentials(PostbackCredentials.newBuilder().setClientIp("198.51.100.66")).build(),
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING);
    long t = Instant.now().getEpochSecond();
    byte[] body = ("{\"kcid\":\"" + kcid + "\",\"value\":\"9999.00\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    rejected(RecordConversionRequest.newBuilder().setKcid(kcid).setValue(loot).setTransactionId("attacker-2")
        .setCredentials(PostbackCredentials.newBuilder().setSignature(PostbackSigner.sign("guessed", t, body))
            .setSignatureTimestamp(t).setSignedBody(com.google.protobuf.ByteString.copyFrom(body)).setClientIp("198.51.100.66")).build(),
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
    rejected(postback(kcid, a).setValue(loot).setTransactionId("attacker-3").setCredentials(PostbackCredentials.newBuilder()
            .setToken(a.getSecrets().getPostbackToken()).setSignature(PostbackSigner.sign("guessed", t, body))
            .setSignatureTimestamp(t).setSignedBody(com.google.protobuf.ByteString.copyFrom(body))).build(),
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
    // They are refusals of unauthenticated senders: kept apart, never in the account's own log.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(refusals(id)).hasSize(3));
    List<PostbackLogEntry> entries = refusals(id);
    assertThat(entries).extracting(PostbackLogEntry::getReason).containsExactlyInAnyOrder(
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING);
    assertThat(entries).allSatisfy(e -> assertThat(e.getAuthenticated()).isFalse());
    assertThat(log(id)).isEmpty();
    // The refusals are also counted in memory and flushed to Redis about once a second: wait for
    // that flush, so the digest below compares what replay wrote, not what the flush wrote.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(refusalCount(id)).isEqualTo(3));

    String before = digest();
    for (boolean dryRun : List.of(true, false)) {
      // Named by their ids, they are not in the log replay reads: nothing to replay.
      for (PostbackLogEntry entry : entries) {
        assertThat(replayOne(id, entry.getLogId(), dryRun).getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_NOT_FOUND);
      }
      ReplayPostbacksResponse range = diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder().setAccountId(id)
          .setStartTime(Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(3600).getEpochSecond())).setDryRun(dryRun).build());
      assertThat(range.getResultsList()).isEmpty();
    }
    assertThat(conversionsOf(kcid)).isEmpty();
    assertThat(digest()).as("a replay that found nothing writes nothing, not even a log entry").isEqualTo(before);

    // Defence in depth: even in the account's own log (written there by an older version, and
    // marked authenticated), a refusal about who sent it is never replayed.
    byte[] key = ("kc:{a:" + id + "}:log").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (StatefulRedisConnection<byte[], byte[]> bytes = rawClient.connect(ByteArrayCodec.INSTANCE)) {
      for (PostbackLogEntry entry : entries) {
        bytes.sync().xadd(key, java.util.Map.of("e".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            entry.toBuilder().clearLogId().setAccountId(id).setAuthenticated(true).build().toByteArray()));
      }
    }
    List<PostbackLogEntry> planted = log(id, 3);
    for (boolean dryRun : List.of(true, false)) {
      for (PostbackLogEntry entry : planted) {
        ReplayedPostback r = replayOne(id, entry.getLogId(), dryRun);
        assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_SKIPPED);
        assertThat(r.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_NOT_REPLAYABLE);
        assertThat(r.getOriginalReason()).isEqualTo(entry.getReason());
        assertThat(r.getMessage()).contains(io.kcid.proto.ErrorReasons.shortName(entry.getReason())).contains("who sent it");
      }
      // A time range lists them, skipped, each with why.
      ReplayPostbacksResponse range = diagnostics.replayPostbacks(ReplayPostbacksRequest.newBuilder().setAccountId(id)
          .setStartTime(Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(3600).getEpochSecond())).setDryRun(dryRun).build());
      assertThat(range.getResultsList()).hasSize(3).allSatisfy(r -> {
        assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_SKIPPED);
        assertThat(r.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_NOT_REPLAYABLE);
        assertThat(r.getMessage()).isNotBlank();
      });
    }
    assertThat(conversionsOf(kcid)).isEmpty();
  }

  @Test
  void replayNeverRecordsWhatItCannotReauthenticate() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").setState(GoalState.GOAL_STATE_PAUSED).build());
    String kcid = click(id);
    rejected(postback(kcid, a).setGoalKey("sale").build(), ErrorReason.ERROR_REASON_GOAL_PAUSED);
    PostbackLogEntry genuine = log(id, 1).get(0);
    assertThat(genuine.getAuthenticated()).isTrue();
    // The same refusal as the old code logged it: without the authenticated flag (e.g. a postback
    // whose account was taken from a= or its click before its credentials were checked).
    byte[] key = ("kc:{a:" + id + "}:log").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (StatefulRedisConnection<byte[], byte[]> bytes = rawClient.connect(ByteArrayCodec.INSTANCE)) {
      bytes.sync().xadd(key, java.util.Map.of("e".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
          genuine.toBuilder().clearLogId().setAuthenticated(false).build().toByteArray()));
    }
    PostbackLogEntry unverified = log(id, 2).get(0);
    assertThat(unverified.getAuthenticated()).isFalse();
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").setState(GoalState.GOAL_STATE_ACTIVE).build());

    for (boolean dryRun : List.of(true, false)) {
      ReplayedPostback skipped = replayOne(id, unverified.getLogId(), dryRun);
      assertThat(skipped.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_SKIPPED);
      assertThat(skipped.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_NOT_REPLAYABLE);
      assertThat(skipped.getMessage()).contains("never authenticated");
    }
    assertThat(conversionsOf(kcid)).isEmpty();
    // The authenticated original replays.
    assertThat(replayOne(id, genuine.getLogId(), false).getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
    assertThat(conversionsOf(kcid)).hasSize(1);
  }

  @Test
  void replaySkipsWhatThePostbackItselfGotWrong() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String kcid = click(id);
    rejected(postback(kcid, a).setValue(io.kcid.proto.tracking.v1.Money.newBuilder().setAmount("1").setCurrencyCode("EURO")).build(),
        ErrorReason.ERROR_REASON_INVALID_CURRENCY);
    ReplayedPostback r = replayOne(id, log(id, 1).get(0).getLogId(), true);
    assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_SKIPPED);
    assertThat(r.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_NOT_REPLAYABLE);
    assertThat(r.getMessage()).contains("INVALID_CURRENCY").contains("what it says");
  }
}
