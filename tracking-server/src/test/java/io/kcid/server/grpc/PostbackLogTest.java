package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackCredential;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The postback log over real gRPC on a real redis-server: what is logged, what never is, and how it is read. */
class PostbackLogTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final String IP = "203.0.113.77";

  private static LocalRedis redis;
  private static TrackingServer server;
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
    running = RunningServer.start(config(redis.url(), Duration.ofDays(7)), Duration.ofSeconds(60));
    server = running.server();
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
    diagnostics = running.diagnostics();
    rawClient = RedisClient.create(redis.url());
    raw = rawClient.connect(ByteArrayCodec.INSTANCE);
  }

  static ServerConfig config(String redisUrl, Duration retention) {
    return TestServers.builder(redisUrl).macKeys(KEYS).postbackLogRetention(retention).build();
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

  private static RecordConversionRequest.Builder postback(String kcid, CreateAccountResponse account) {
    return RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder()
            .setToken(account.getSecrets().getPostbackToken()).setClientIp(IP));
  }

  private static void rejected(RecordConversionRequest request, ErrorReason reason) {
    assertThatThrownBy(() -> conversions.recordConversion(request))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(reason));
  }

  private static List<PostbackLogEntry> log(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setPageSize(1000).build())
        .getEntriesList();
  }

  /** The log once it holds {@code n} entries: log writes are not awaited by the postbacks' answers. */
  private static List<PostbackLogEntry> log(String account, int n) {
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(log(account)).hasSize(n));
    return log(account);
  }

  /** The account's unauthenticated refusals (credentials refused): a sample kept apart from its log. */
  private static List<PostbackLogEntry> refusals(String account) {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(account).setUnauthenticated(true)
        .setPageSize(1000).build()).getEntriesList();
  }

  private static List<PostbackLogEntry> unattributed() {
    return diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setUnattributed(true).setPageSize(1000).build())
        .getEntriesList();
  }

  @Test
  void logsAcceptedDuplicateAndRejectedPostbacksWithTheirParameters() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String kcid = click(id);
    Timestamp eventTime = Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()).build();
    var accepted = conversions.recordConversion(postback(kcid, a)
        .setValue(Money.newBuilder().setAmount("19.90").setCurrencyCode("EUR"))
        .setTransactionId("order-1").setStatus(ConversionStatus.CONVERSION_STATUS_PENDING)
        .setEventTime(eventTime).putAdvSubIds("adv1", "blue").setTest(true).setRequestId("req-1").build());
    conversions.recordConversion(postback(kcid, a).build());

    List<PostbackLogEntry> entries = log(id, 2);
    PostbackLogEntry duplicate = entries.get(0);
    PostbackLogEntry first = entries.get(1);
    assertThat(first.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED);
    assertThat(first.getConversionId()).isEqualTo(accepted.getConversionId());
    assertThat(first.getAccountId()).isEqualTo(id);
    assertThat(first.getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_TOKEN);
    assertThat(first.getSourceNetwork()).isEqualTo("203.0.113.0/24");
    assertThat(first.getLogId()).matches("[0-9]+-[0-9]+");
    RecordConversionRequest params = first.getRequest();
    assertThat(params.getKcid()).isEqualTo(kcid);
    assertThat(params.getValue().getAmount()).isEqualTo("19.90");
    assertThat(params.getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(params.getTransactionId()).isEqualTo("order-1");
    assertThat(params.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(params.getEventTime()).isEqualTo(eventTime);
    assertThat(params.getAdvSubIdsMap()).containsEntry("adv1", "blue");
    assertThat(params.getTest()).isTrue();
    assertThat(params.getRequestId()).isEqualTo("req-1");
    assertThat(params.hasCredentials()).as("credentials are never kept").isFalse();

    assertThat(duplicate.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE);
    assertThat(duplicate.getReason()).isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION);
    assertThat(duplicate.getConversionId()).isEqualTo(accepted.getConversionId());
    assertThat(Timestamps.compare(duplicate.getReceiveTime(), first.getReceiveTime())).isGreaterThanOrEqualTo(0);
  }

  @Test
  void aRetryWithTheSameRequestIdIsLoggedAsTheDuplicateItIs() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String kcid = click(id);
    var first = conversions.recordConversion(postback(kcid, a).setTransactionId("order-r").setRequestId("req-r").build());
    var retry = conversions.recordConversion(postback(kcid, a).setTransactionId("order-r").setRequestId("req-r").build());
    // The sender is told the first answer again (so its retry loop ends) …
    assertThat(retry.getOutcome()).isEqualTo(first.getOutcome());
    assertThat(retry.getConversionId()).isEqualTo(first.getConversionId());

    List<PostbackLogEntry> entries = log(id, 2);
    PostbackLogEntry logged = entries.get(1);
    assertThat(logged.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED);
    assertThat(logged.getRepeatedRequest()).isFalse();
    // … but the log says what happened: nothing new was written.
    PostbackLogEntry repeated = entries.get(0);
    assertThat(repeated.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE);
    assertThat(repeated.getRepeatedRequest()).isTrue();
    assertThat(repeated.getReplayOf()).isEmpty();
    assertThat(repeated.getConversionId()).isEqualTo(first.getConversionId());
    assertThat(repeated.getMessage()).contains("Same request id", first.getConversionId(), "Nothing new was written");
    assertThat(diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_DUPLICATE).build()).getEntriesList())
        .extracting(PostbackLogEntry::getLogId).containsExactly(repeated.getLogId());
  }

  /** protobuf-java-util is not on the test classpath; two fields suffice. */
  private static final class Timestamps {
    static int compare(Timestamp a, Timestamp b) {
      int bySeconds = Long.compare(a.getSeconds(), b.getSeconds());
      return bySeconds != 0 ? bySeconds : Integer.compare(a.getNanos(), b.getNanos());
    }
  }

  @Test
  void logsEveryKindOfRejectionWithItsReasonUnderTheRightAccount() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("paused").setState(GoalState.GOAL_STATE_PAUSED).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("hour")
        .setAttributionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(3600)).build());
    var other = account();
    KcidCodec codec = new KcidCodec(KEYS, 16);
    String kcid = click(id);

    rejected(postback(kcid, a).setGoalKey("paused").build(), ErrorReason.ERROR_REASON_GOAL_PAUSED);
    rejected(postback(kcid, a).setGoalKey("nope").build(), ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
    rejected(postback(codec.mintRandomPartition(Instant.now().minus(Duration.ofHours(2))), a).setGoalKey("hour").build(),
        ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW);
    rejected(postback(codec.mintRandomPartition(Instant.now()), a).build(), ErrorReason.ERROR_REASON_CLICK_NOT_FOUND);
    rejected(postback(click(other.getAccount().getAccountId()), a).build(), ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH);
    rejected(postback(kcid, a).setValue(Money.newBuilder().setAmount("12,50")).build(), ErrorReason.ERROR_REASON_INVALID_VALUE);
    // Refused before the account is known (malformed kcid), but the token is valid: still the account's.
    rejected(postback("{kcid}", a).build(), ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED);
    // Refused for its credentials: attributed to the account whose click it is, but kept apart
    // from the account's log (anyone can send it).
    rejected(RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setClientIp(IP)).build(),
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING);
    // Through the batch RPC too.
    var batch = conversions.recordConversions(RecordConversionsRequest.newBuilder()
        .addItems(postback(kcid, a).setGoalKey("paused")).build());
    assertThat(batch.getResults(0).getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);

    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(log(id)).extracting(PostbackLogEntry::getReason).containsExactly(
            ErrorReason.ERROR_REASON_GOAL_PAUSED,
            ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED,
            ErrorReason.ERROR_REASON_INVALID_VALUE,
            ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
            ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW,
            ErrorReason.ERROR_REASON_GOAL_NOT_FOUND,
            ErrorReason.ERROR_REASON_GOAL_PAUSED));
    List<PostbackLogEntry> entries = log(id);
    assertThat(entries).allSatisfy(e -> {
      assertThat(e.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_REJECTED);
      assertThat(e.getAccountId()).isEqualTo(id);
      assertThat(e.getMessage()).isNotBlank();
    });
    assertThat(entries.get(1).getRequest().getKcid()).isEqualTo("{kcid}");
    assertThat(log(other.getAccount().getAccountId())).as("the click's owner did not send it").isEmpty();
    // Refusals about the sender — its credentials, or another account's click — are kept apart.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(refusals(id)).extracting(PostbackLogEntry::getReason).containsExactly(
            ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH));
    assertThat(refusals(id)).allSatisfy(e -> {
      assertThat(e.getAccountId()).isEqualTo(id);
      assertThat(e.getMessage()).isNotBlank();
    });
    assertThat(refusals(id).get(0).getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_IP_ALLOWLIST);
  }

  @Test
  void postbacksNoAccountCouldBeFoundForGoToTheUnattributedLog() {
    var a = account();
    String kcid = click(a.getAccount().getAccountId());
    String unknown = new KcidCodec(KEYS, 16).mintRandomPartition(Instant.now());
    rejected(RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken("pbt_not-a-token-" + kcid).setClientIp("2001:db8:aa:bb::7")).build(),
        ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
    // A trusted caller naming no account, for a click that does not exist.
    rejected(RecordConversionRequest.newBuilder().setKcid(unknown).build(), ErrorReason.ERROR_REASON_CLICK_NOT_FOUND);

    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
      List<PostbackLogEntry> entries = unattributed();
      assertThat(entries).anySatisfy(e -> {
        assertThat(e.getRequest().getKcid()).isEqualTo(kcid);
        assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
        assertThat(e.getAccountId()).isEmpty();
        assertThat(e.getSourceNetwork()).isEqualTo("2001:db8:aa::/48");
        assertThat(e.getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_TOKEN);
      });
      assertThat(entries).anySatisfy(e -> {
        assertThat(e.getRequest().getKcid()).isEqualTo(unknown);
        assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND);
        assertThat(e.getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_TRUSTED_CALLER);
      });
    });
    assertThat(log(a.getAccount().getAccountId())).as("a bad token attributes nothing").isEmpty();
  }

  @Test
  void neverKeepsATokenASignatureOrASignedPayloadNorAFullAddress() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String token = a.getSecrets().getPostbackToken();
    String signing = a.getSecrets().getPostbackSigningSecret();
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN)
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)).build());
    String kcid = click(id);
    // A sender that echoes its token into other parameters.
    conversions.recordConversion(postback(kcid, a).setTransactionId("tx-" + token).putAdvSubIds("adv2", token).build());
    long t = Instant.now().getEpochSecond();
    byte[] body = ("{\"kcid\":\"" + kcid + "\",\"payload-marker\":\"sealed-body-7731\"}").getBytes(StandardCharsets.UTF_8);
    String signature = PostbackSigner.sign(signing, t, body);
    conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey("default")
        .setTransactionId("signed").setCredentials(PostbackCredentials.newBuilder().setSignature(signature)
            .setSignatureTimestamp(t).setSignedBody(ByteString.copyFrom(body)).setClientIp(IP)).build());
    String forged = PostbackSigner.sign("not-the-secret-at-all", t, body);
    rejected(RecordConversionRequest.newBuilder().setKcid(kcid).setCredentials(PostbackCredentials.newBuilder()
        .setSignature(forged).setSignatureTimestamp(t).setSignedBody(ByteString.copyFrom(body)).setClientIp(IP)).build(),
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
    rejected(postback(kcid, a).setCredentials(PostbackCredentials.newBuilder().setToken(token + "x").setClientIp(IP)).build(),
        ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID);
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id).setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addIpAllowlist("198.51.100.0/24")).build());
    rejected(postback(kcid, a).build(), ErrorReason.ERROR_REASON_IP_NOT_ALLOWED);

    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
      assertThat(log(id)).hasSize(2);
      assertThat(refusals(id)).hasSize(2);
    });
    List<PostbackLogEntry> entries = log(id);
    assertThat(entries.get(1).getRequest().getTransactionId()).isEqualTo("tx-[redacted]");
    assertThat(entries.get(1).getRequest().getAdvSubIdsMap()).containsEntry("adv2", "[redacted]");
    assertThat(entries.get(0).getCredential()).isEqualTo(PostbackCredential.POSTBACK_CREDENTIAL_SIGNATURE);
    List<PostbackLogEntry> refused = refusals(id);
    assertThat(refused.get(1).getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID);
    assertThat(refused.get(0).getReason()).isEqualTo(ErrorReason.ERROR_REASON_IP_NOT_ALLOWED);
    assertThat(refused.get(0).getMessage()).contains("203.0.113.0/24").doesNotContain(IP);

    // The raw store: every log key, whatever its type.
    byte[] everything = rawLogContents();
    assertThat(everything.length).isGreaterThan(1000);
    String text = new String(everything, StandardCharsets.ISO_8859_1);
    for (String secret : List.of(token, token + "x", signing, signature, forged, "sealed-body-7731", IP)) {
      assertThat(text).as("log contents hold %s", secret).doesNotContain(secret);
    }
    assertThat(text).contains(kcid);
  }

  /** Everything in the postback log keys: account logs and their refusals, the unattributed log, clicks' attempts (field l of their state hashes). */
  private static byte[] rawLogContents() {
    RedisCommands<byte[], byte[]> r = raw.sync();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Set<String> seen = new HashSet<>();
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<byte[]> page = r.scan(cursor, ScanArgs.Builder.limit(1000));
      for (byte[] key : page.getKeys()) {
        String name = new String(key, StandardCharsets.UTF_8);
        if (!seen.add(name) || !(name.endsWith(":log") || name.endsWith(":log:refused")
            || name.equals("kc:log:unattributed") || name.contains(":x:"))) {
          continue;
        }
        String type = r.type(key);
        if (name.contains(":x:") && type.equals("hash")) {
          byte[] attempts = r.hget(key, "l".getBytes(StandardCharsets.US_ASCII)); // a click's attempts
          if (attempts != null) {
            out.writeBytes(attempts);
          }
        } else if (type.equals("stream")) {
          r.xrange(key, Range.create("-", "+")).forEach(m -> m.getBody().values().forEach(out::writeBytes));
        } else if (type.equals("list")) {
          r.lrange(key, 0, -1).forEach(out::writeBytes);
        } else if (!type.equals("none")) { // "none": expired since the scan (a short-retention test's key)
          throw new AssertionError("unexpected log key type " + type + " for " + name);
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    return out.toByteArray();
  }

  @Test
  void pagesNewestFirstAndFiltersByKcidOutcomeReasonAndTime() {
    var a = account();
    String id = a.getAccount().getAccountId();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("paused").setState(GoalState.GOAL_STATE_PAUSED).build());
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      String kcid = click(id);
      kcids.add(kcid);
      conversions.recordConversion(postback(kcid, a).build());
      rejected(postback(kcid, a).setGoalKey("paused").build(), ErrorReason.ERROR_REASON_GOAL_PAUSED);
    }
    List<PostbackLogEntry> all = log(id, 24);
    assertThat(all.get(0).getRequest().getGoalKey()).isEqualTo("paused");
    assertThat(all.get(0).getRequest().getKcid()).isEqualTo(kcids.get(11));

    List<String> paged = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListPostbacksResponse page = diagnostics.listPostbacks(ListPostbacksRequest.newBuilder()
          .setAccountId(id).setPageSize(10).setPageToken(token).build());
      assertThat(page.getEntriesCount()).isLessThanOrEqualTo(10);
      page.getEntriesList().forEach(e -> paged.add(e.getLogId()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(pages).isEqualTo(3);
    assertThat(paged).containsExactlyElementsOf(all.stream().map(PostbackLogEntry::getLogId).toList());

    var rejectedOnly = diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_REJECTED).setPageSize(5).build());
    assertThat(rejectedOnly.getEntriesList()).hasSize(5)
        .allSatisfy(e -> assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED));
    assertThat(rejectedOnly.getNextPageToken()).isNotEmpty();
    assertThat(diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setReason(ErrorReason.ERROR_REASON_GOAL_PAUSED).setPageSize(100).build()).getEntriesList()).hasSize(12);
    assertThat(diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setOutcome(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED).build()).getEntriesList()).hasSize(12);
    var byKcid = diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setKcid(kcids.get(3).toUpperCase()).build());
    assertThat(byKcid.getEntriesList()).extracting(e -> e.getRequest().getKcid()).containsExactly(kcids.get(3), kcids.get(3));
    assertThat(byKcid.getNextPageToken()).isEmpty();

    // Time range [start, end): the end is exclusive.
    PostbackLogEntry middle = all.get(10);
    Timestamp at = Timestamp.newBuilder().setSeconds(Long.parseLong(middle.getLogId().split("-")[0]) / 1000)
        .setNanos((int) (Long.parseLong(middle.getLogId().split("-")[0]) % 1000) * 1_000_000).build();
    List<PostbackLogEntry> before = diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setEndTime(at).setPageSize(1000).build()).getEntriesList();
    assertThat(before).isNotEmpty().allSatisfy(e -> assertThat(e.getLogId()).isNotEqualTo(middle.getLogId()))
        .allSatisfy(e -> assertThat(Long.parseLong(e.getLogId().split("-")[0])).isLessThan(Long.parseLong(middle.getLogId().split("-")[0])));
    List<PostbackLogEntry> from = diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id)
        .setStartTime(at).setPageSize(1000).build()).getEntriesList();
    assertThat(from).extracting(PostbackLogEntry::getLogId).contains(middle.getLogId());
    assertThat(before.size() + from.size()).isEqualTo(24);

    assertThatThrownBy(() -> diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId(id).setPageToken("garbage").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
    assertThatThrownBy(() -> diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId("no-such-account").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND));
    assertThatThrownBy(() -> diagnostics.listPostbacks(ListPostbacksRequest.getDefaultInstance()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER));
  }

  @Test
  void aFailedLogWriteNeverChangesThePostbacksAnswer() {
    var a = account();
    String id = a.getAccount().getAccountId();
    // The account's log key holds a string: every XADD to it fails (WRONGTYPE).
    byte[] key = ("kc:{a:" + id + "}:log").getBytes(StandardCharsets.UTF_8);
    raw.sync().set(key, "in the way".getBytes(StandardCharsets.UTF_8));
    try {
      long failedBefore = server.failedPostbackLogWrites();
      var answer = conversions.recordConversion(postback(click(id), a).build());
      assertThat(answer.getConversionId()).isNotEmpty();
      rejected(postback(click(id), a).setGoalKey("nope").build(), ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
      Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
          assertThat(server.failedPostbackLogWrites()).isGreaterThanOrEqualTo(failedBefore + 2));
    } finally {
      raw.sync().del(key);
    }
  }

  @Test
  void entriesOlderThanTheRetentionAreNeitherListedNorKept() {
    TrackingServer shortLived = TrackingServer.start(config(redis.url(), Duration.ofSeconds(1)));
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", shortLived.port()).usePlaintext().build();
    try {
      var conv = ConversionServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
      var diag = DiagnosticsServiceGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
      var a = account();
      String id = a.getAccount().getAccountId();
      byte[] key = ("kc:{a:" + id + "}:log").getBytes(StandardCharsets.UTF_8);
      int[] written = {0};
      for (int i = 0; i < 60; i++) {
        conv.recordConversion(postback(click(id), a).build());
        written[0]++;
      }
      ListPostbacksRequest all = ListPostbacksRequest.newBuilder().setAccountId(id).setPageSize(1000).build();
      Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
        assertThat(raw.sync().pttl(key)).isBetween(1L, 1000L);
        assertThat(diag.listPostbacks(all).getEntriesCount()).isPositive();
      });
      // Once a second has passed, nothing older is listed any more, and later appends trim the
      // stream by time: it holds fewer entries than were ever written to it.
      Awaitility.await().atMost(10, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
        conv.recordConversion(postback(click(id), a).build());
        written[0]++;
        long horizon = System.currentTimeMillis() - 1000;
        assertThat(diag.listPostbacks(all).getEntriesList())
            .allSatisfy(e -> assertThat(Long.parseLong(e.getLogId().split("-")[0])).isGreaterThanOrEqualTo(horizon - 100));
        assertThat(raw.sync().xlen(key)).isLessThan(written[0] - 20);
      });
    } finally {
      ch.shutdownNow();
      shortLived.close();
    }
  }
}
