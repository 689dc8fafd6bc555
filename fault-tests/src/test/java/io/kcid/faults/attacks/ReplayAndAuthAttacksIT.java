package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.edge.HttpEdge;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.TrackingServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 items 1, 3, 5 and 8, attacked as an outsider would: over HTTP through the real edge, to
 * a real tracking-server on a real redis-server, with replays run by the operator over gRPC.
 *
 * <p>Passes when a postback without valid credentials can never become a conversion by replay, a
 * bad signature next to a good token is refused, another account's token on a click is refused
 * for ownership before any goal rule, and a stranger cannot tell an unknown account from a known
 * one (nor how a known one authenticates) by any answer.
 */
class ReplayAndAuthAttacksIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
      .connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  @TempDir static Path dir;
  private static RedisProcess redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static String base;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    int port = Stack.freePort();
    server = Stack.server(redis.url(), KEYS, port, Duration.ZERO);
    channel = Stack.channel(port);
    edge = Stack.edge("127.0.0.1:" + port, 0, Duration.ofSeconds(5));
    base = "http://127.0.0.1:" + edge.port();
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    diagnostics = DiagnosticsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  private record Answer(int status, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    String reason() {
      return json().path("reason").asText();
    }
  }

  private static Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Answer get(String query) {
    return send(HttpRequest.newBuilder(URI.create(base + "/postback?" + query)).GET());
  }

  /** A JSON POST to {@code path}, with an X-Kcid-Signature over its body made with {@code secret}. */
  private static Answer signedPost(String path, String body, String secret) {
    return signedPost(path, null, body, secret);
  }

  /** A signed POST; {@code bearer}, when given, is the token beside the signature (a signed POST's query must be empty). */
  private static Answer signedPost(String path, String bearer, String body, String secret) {
    long t = Instant.now().getEpochSecond();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    if (bearer != null) {
      request.header("Authorization", "Bearer " + bearer);
    }
    return send(request
        .header("Content-Type", "application/json")
        .header("X-Kcid-Signature", "t=" + t + ",v1=" + PostbackSigner.sign(secret, t, bytes))
        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
  }

  private static CreateAccountResponse account(String goal) {
    return Stack.account(channel, goal, CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
  }

  private static String id(CreateAccountResponse account) {
    return account.getAccount().getAccountId();
  }

  private static String token(CreateAccountResponse account) {
    return account.getSecrets().getPostbackToken();
  }

  private static String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("spring").build())
        .getClick().getKcid();
  }

  private static int conversionsOf(String kcid) {
    return conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsCount();
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

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("timed out waiting until %s", what).isLessThan(deadline);
      Stack.sleep(50);
    }
  }

  private static List<ReplayedPostback> replay(ReplayPostbacksRequest.Builder request) {
    List<ReplayedPostback> results = new ArrayList<>();
    String page = "";
    do {
      var response = diagnostics.replayPostbacks(request.setPageToken(page).build());
      results.addAll(response.getResultsList());
      page = response.getNextPageToken();
    } while (!page.isEmpty());
    return results;
  }

  @Test
  void replayOfUnauthenticatedPostbackRecordsNothing() {
    var acme = account("purchase");
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(acme)).setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
    String kcid = click(id(acme));
    String signing = acme.getSecrets().getPostbackSigningSecret();

    // The attacker: no credentials, naming the account; a signature made with a guessed secret; a
    // correctly signed postback the account (token-only) does not accept signatures for.
    assertThat(get("kcid=" + kcid + "&a=" + id(acme) + "&value=9999.00&currency=USD&txid=loot-1").status()).isEqualTo(401);
    assertThat(signedPost("/postback", "{\"kcid\":\"" + kcid + "\",\"value\":\"9999.00\",\"txid\":\"loot-2\"}", "guessed")
        .status()).isEqualTo(401);
    assertThat(signedPost("/postback", "{\"kcid\":\"" + kcid + "\",\"value\":\"9999.00\",\"txid\":\"loot-3\"}", signing)
        .status()).isEqualTo(401);
    // The account itself, refused for its own setup (a paused goal): this one may be replayed.
    assertThat(get("kcid=" + kcid + "&token=" + token(acme) + "&goal=sale&txid=real-1").reason()).isEqualTo("GOAL_PAUSED");
    // The attacker's three are kept apart from the account's log (sampled, counted); only the
    // account's own refusal is in it, and replay reads only the log.
    await(() -> refusals(id(acme)).size() == 3, "the three unauthenticated refusals are kept apart");
    await(() -> log(id(acme)).size() == 1, "the account's own refusal is logged");
    List<PostbackLogEntry> attacker = refusals(id(acme));
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId(id(acme)).setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_ACTIVE).build());

    Timestamp since = Timestamp.newBuilder().setSeconds(Instant.now().minusSeconds(3600).getEpochSecond()).build();
    for (boolean dryRun : List.of(true, false)) {
      List<ReplayedPostback> results = replay(ReplayPostbacksRequest.newBuilder().setAccountId(id(acme))
          .setStartTime(since).setDryRun(dryRun));
      assertThat(results).singleElement().satisfies(r -> assertThat(r.getOutcome())
          .isIn(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED, ReplayOutcome.REPLAY_OUTCOME_DUPLICATE));
      // Named by id, the attacker's entries are not in the log replay reads.
      for (PostbackLogEntry entry : attacker) {
        assertThat(replay(ReplayPostbacksRequest.newBuilder().setAccountId(id(acme)).addLogIds(entry.getLogId())
            .setDryRun(dryRun))).singleElement().satisfies(again ->
                assertThat(again.getOutcome()).isNotIn(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED, ReplayOutcome.REPLAY_OUTCOME_DUPLICATE));
      }
    }
    assertThat(conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsList())
        .as("only the account's own postback was recorded")
        .singleElement().satisfies(c -> assertThat(c.getTransactionId()).isEqualTo("real-1"));
  }

  @Test
  void tokenPlusBadSignatureIsRefused() {
    var acme = account("purchase");
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id(acme)).setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE))
        .build());
    String kcid = click(id(acme));
    String body = "{\"kcid\":\"" + kcid + "\",\"value\":\"5000.00\",\"currency\":\"USD\"}";
    Answer answer = signedPost("/postback", token(acme), body, "not-the-signing-secret");
    assertThat(answer.status()).isEqualTo(401);
    assertThat(answer.reason()).isEqualTo("POSTBACK_SIGNATURE_INVALID");
    Answer batch = signedPost("/postbacks", token(acme), "[" + body + "]", "not-the-signing-secret");
    assertThat(batch.json().path("results").path(0).path("reason").asText()).isEqualTo("POSTBACK_SIGNATURE_INVALID");
    assertThat(conversionsOf(kcid)).isZero();
    // Both valid: recorded.
    assertThat(signedPost("/postback", token(acme), body, acme.getSecrets().getPostbackSigningSecret()).status())
        .isEqualTo(200);
    assertThat(conversionsOf(kcid)).isEqualTo(1);
  }

  @Test
  void crossAccountTokenGetsOwnershipMismatchBeforeGoalRules() {
    var a = account("sale");
    var b = account("purchase");
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(b)).setGoalKey("paused")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
    String clickOfA = click(id(a));
    for (String goal : List.of("sale", "paused", "purchase")) {
      Answer answer = get("kcid=" + clickOfA + "&token=" + token(b) + "&goal=" + goal);
      assertThat(answer.status()).as(goal).isEqualTo(403);
      assertThat(answer.reason()).as(goal).isEqualTo("CLICK_ACCOUNT_MISMATCH");
    }
    Answer batch = send(HttpRequest.newBuilder(URI.create(base + "/postbacks?token=" + token(b)))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "[{\"kcid\":\"" + clickOfA + "\",\"goal\":\"sale\"},{\"kcid\":\"" + clickOfA + "\",\"goal\":\"paused\"}]")));
    assertThat(batch.status()).isEqualTo(200);
    for (JsonNode item : batch.json().path("results")) {
      assertThat(item.path("reason").asText()).isEqualTo("CLICK_ACCOUNT_MISMATCH");
      assertThat(item.path("http_status").asInt()).isEqualTo(403);
    }
    assertThat(conversionsOf(clickOfA)).isZero();
  }

  @Test
  void unknownAndKnownAccountsLookAlikeToStrangers() {
    var byToken = account("purchase");
    var legacy = account("purchase");
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id(legacy)).setLegacyHttp200(true).build());
    var bySignature = account("purchase");
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id(bySignature)).setPostbackAuth(
        PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)).build());
    var byAddress = account("purchase");
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id(byAddress)).setUpdateAuthMethods(true) // IP only
        .setPostbackAuth(PostbackAuth.newBuilder().addIpAllowlist("192.0.2.0/24")).build());
    List<String> known = List.of(id(byToken), id(legacy), id(bySignature), id(byAddress));
    String someClick = click(id(byToken));

    List<String> queries = new ArrayList<>();
    for (String account : known) {
      String kcid = click(account);
      queries.add("kcid=" + kcid + "&a=" + account);
      queries.add("kcid=" + kcid);
    }
    queries.add("kcid=" + someClick + "&a=nosuchacct");
    for (String credentials : List.of("", "&token=pbt_guessed-0000000000")) {
      List<Answer> answers = queries.stream().map(q -> get(q + credentials)).toList();
      Answer first = answers.get(0);
      assertThat(answers).as("credentials '%s'", credentials).containsOnly(first);
      assertThat(first.status()).isEqualTo(401);
      assertThat(first.reason()).isEqualTo(credentials.isEmpty() ? "POSTBACK_CREDENTIALS_MISSING" : "POSTBACK_TOKEN_INVALID");
      String message = first.json().path("message").asText().toLowerCase(Locale.ROOT);
      assertThat(message).doesNotContain("allowlist").doesNotContain("instead").doesNotContain("nosuchacct");
      known.forEach(account -> assertThat(message).doesNotContain(account.toLowerCase(Locale.ROOT)));
    }
    // Signed with a guessed secret, naming each account in turn, or none.
    List<Answer> signed = new ArrayList<>();
    for (String account : List.of(id(byToken), id(legacy), id(bySignature), id(byAddress), "nosuchacct")) {
      signed.add(signedPost("/postback", "{\"kcid\":\"" + someClick + "\",\"a\":\"" + account + "\"}", "guessed"));
    }
    signed.add(signedPost("/postback", "{\"kcid\":\"" + click(id(bySignature)) + "\"}", "guessed"));
    assertThat(signed).containsOnly(signed.get(0));
    assertThat(signed.get(0).status()).isEqualTo(401);
    assertThat(signed.get(0).reason()).isEqualTo("POSTBACK_SIGNATURE_INVALID");

    // Click URLs with a forged sig: an unknown account looks like a known one.
    List<Answer> clickAnswers = new ArrayList<>();
    for (String account : List.of(id(byToken), id(byAddress), "nosuchacct")) {
      clickAnswers.add(send(HttpRequest.newBuilder(URI.create(base + "/c?a=" + account
          + "&c=spring&u=https%3A%2F%2Fshop.example%2F&sig=" + "A".repeat(43))).GET()));
    }
    assertThat(clickAnswers).containsOnly(clickAnswers.get(0));
    assertThat(clickAnswers.get(0).status()).isEqualTo(400);
    assertThat(clickAnswers.get(0).reason()).isEqualTo("CLICK_SIGNATURE_INVALID");

    // The account's refusals of unauthenticated senders (apart from its log) have the precise
    // diagnosis for its operator.
    await(() -> refusals(id(byAddress)).stream().anyMatch(e ->
        e.getReason() == ErrorReason.ERROR_REASON_IP_NOT_ALLOWED
            && e.getSenderReason() == ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING),
        "the IP-only account's refusals say why its stranger was refused");
  }
}
