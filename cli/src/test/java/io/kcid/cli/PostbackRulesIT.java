package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every postback rule and rejection reason through the real HTTP edge, the real tracking-server
 * and a real redis-server: what an advertiser's server sees.
 */
class PostbackRulesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static CreateAccountResponse acme;
  private static CreateAccountResponse other;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KEYS)
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000)
        // No account cache: settings changed by a test apply to its next postback.
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5)).build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    admin = AdminServiceGrpc.newBlockingStub(channel);
    clicks = ClickServiceGrpc.newBlockingStub(channel);
    acme = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("acme").build());
    other = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("other").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("acme").setGoalKey("sale")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("acme").setGoalKey("paused")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("acme").setGoalKey("quick")
        .setAttributionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
        .setMinTimeToConvert(com.google.protobuf.Duration.newBuilder().setSeconds(600)).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("acme").setGoalKey("app")
        .addCampaignIds("app-campaign").build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  private static String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("web").build())
        .getClick().getKcid();
  }

  private static String token() {
    return acme.getSecrets().getPostbackToken();
  }

  private static HttpResponse<String> get(Map<String, String> params) throws Exception {
    String query = params.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback?" + query)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> with(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private static void assertRejected(HttpResponse<String> r, int status, String reason) throws Exception {
    JsonNode body = JSON.readTree(r.body());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(body.get("status").asText()).isEqualTo("rejected");
    assertThat(body.get("reason").asText()).isEqualTo(reason);
    assertThat(body.get("message").asText()).as("a hint a user can act on").hasSizeGreaterThan(20);
  }

  @Test
  void malformedKcidsAreDiagnosed() throws Exception {
    String kcid = click("acme");
    char swapped = kcid.charAt(20) == 'a' ? 'b' : 'a';
    String unknownKey = new KcidCodec(KcidKeyRing.generate(9), 16).mintRandomPartition(Instant.now());
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("{kcid}", "KCID_MACRO_NOT_REPLACED");
    cases.put("%7Bkcid%7D", "KCID_MACRO_NOT_REPLACED");
    cases.put("[clickid]", "KCID_MACRO_NOT_REPLACED");
    cases.put("{{kcid}}", "KCID_MACRO_NOT_REPLACED");
    cases.put(kcid.substring(0, 31), "KCID_TOO_SHORT");
    cases.put(kcid + "0", "KCID_TOO_LONG");
    cases.put(kcid.substring(0, 31) + "u", "KCID_INVALID_CHARACTERS");
    cases.put(kcid.substring(0, 20) + swapped + kcid.substring(21), "KCID_MAC_MISMATCH");
    cases.put(unknownKey, "KCID_UNKNOWN_KEY_ID");
    for (var c : cases.entrySet()) {
      assertRejected(get(with("clickid", c.getKey(), "token", token())), 400, c.getValue());
    }
    assertRejected(get(with("token", token())), 400, "KCID_MISSING");
    // Case changed by the advertiser's system: still the click.
    assertThat(get(with("cid", kcid.toUpperCase(), "token", token())).statusCode()).isEqualTo(200);
  }

  @Test
  void clickLookupsAndAccounts() throws Exception {
    KcidCodec codec = new KcidCodec(KEYS, 16);
    assertRejected(get(with("kcid", codec.mintRandomPartition(Instant.now()), "token", token())), 404, "CLICK_NOT_FOUND");
    // A click 40 days old converting (per its event time) within its window, posted back late: deleted on time.
    Instant old = Instant.now().minus(Duration.ofDays(40));
    assertRejected(get(with("kcid", codec.mintRandomPartition(old), "token", token(),
        "event_time", Long.toString(old.plus(Duration.ofDays(1)).getEpochSecond()))), 404, "CLICK_EXPIRED");
    assertRejected(get(with("kcid", click("other"), "token", token())), 403, "CLICK_ACCOUNT_MISMATCH");
    assertRejected(get(with("kcid", click("acme"), "token", "pbt_not-a-token")), 401, "POSTBACK_TOKEN_INVALID");
    assertRejected(get(with("kcid", click("acme"))), 401, "POSTBACK_CREDENTIALS_MISSING");
  }

  @Test
  void goalRulesAndValues() throws Exception {
    String kcid = click("acme");
    assertRejected(get(with("kcid", kcid, "token", token(), "goal", "nope")), 422, "GOAL_NOT_FOUND");
    assertRejected(get(with("kcid", kcid, "token", token(), "goal", "paused")), 422, "GOAL_PAUSED");
    assertRejected(get(with("kcid", kcid, "token", token(), "goal", "quick")), 422, "BELOW_MINIMUM_TIME");
    assertRejected(get(with("kcid", kcid, "token", token(), "goal", "app")), 422, "GOAL_CAMPAIGN_MISMATCH");
    String old = new KcidCodec(KEYS, 16).mintRandomPartition(Instant.now().minus(Duration.ofHours(2)));
    assertRejected(get(with("kcid", old, "token", token(), "goal", "quick")), 422, "OUTSIDE_ATTRIBUTION_WINDOW");
    assertRejected(get(with("kcid", kcid, "token", token(), "amount", "12,50")), 400, "INVALID_VALUE");
    assertRejected(get(with("kcid", kcid, "token", token(), "payout", "1", "currency", "EURO")), 400, "INVALID_CURRENCY");
    assertRejected(get(with("kcid", kcid, "token", token(), "status", "maybe")), 422, "STATUS_NOT_MAPPED");
    assertRejected(get(with("kcid", kcid, "token", token(), "event_time", "yesterday")), 400, "INVALID_EVENT_TIME");
    assertRejected(get(with("kcid", kcid, "token", token(), "event_time",
        Long.toString(Instant.now().plus(Duration.ofDays(1)).getEpochSecond()))), 422, "EVENT_TIME_IN_FUTURE");
    assertRejected(get(with("kcid", kcid, "token", token(), "event_time",
        Instant.now().minus(Duration.ofDays(1)).toString())), 422, "EVENT_TIME_BEFORE_CLICK");
    assertRejected(get(with("kcid", kcid, "token", token(), "goal", "sale")), 400, "MISSING_PARAMETER");

    // Aliases: clickid, payout, order_id; then the duplicate names the original.
    JsonNode first = JSON.readTree(get(with("clickid", kcid, "token", token(), "goal", "sale", "payout", "19.99",
        "currency", "usd", "order_id", "A-1", "adv1", "blue")).body());
    assertThat(first.get("status").asText()).isEqualTo("accepted");
    HttpResponse<String> dup = get(with("kcid", kcid, "token", token(), "goal", "sale", "txid", "A-1"));
    assertThat(dup.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(dup.body()).get("status").asText()).isEqualTo("duplicate");
    assertThat(JSON.readTree(dup.body()).get("reason").asText()).isEqualTo("DUPLICATE_TRANSACTION");
    assertThat(JSON.readTree(dup.body()).get("conversion_id").asText()).isEqualTo(first.get("conversion_id").asText());
    // Reversal by postback: the same order, rejected; then back to pending is refused.
    assertThat(JSON.readTree(get(with("kcid", kcid, "token", token(), "goal", "sale", "txid", "A-1", "status", "rejected")).body())
        .get("conversion_id").asText()).isEqualTo(first.get("conversion_id").asText());
    assertRejected(get(with("kcid", kcid, "token", token(), "goal", "sale", "txid", "A-1", "status", "pending")),
        422, "INVALID_STATUS_TRANSITION");
  }

  @Test
  void twoHundredParallelIdenticalPostbacksRecordExactlyOne() throws Exception {
    String kcid = click("acme");
    URI uri = URI.create("http://127.0.0.1:" + edge.port() + "/postback?kcid=" + kcid + "&token=" + token());
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(HTTP.sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()));
    }
    int accepted = 0;
    int duplicates = 0;
    for (var call : calls) {
      HttpResponse<String> r = call.get();
      // An overloaded machine may answer "unknown outcome, retry": a sender retries, as here.
      for (int retry = 0; r.statusCode() == 503 && retry < 20; retry++) {
        Thread.sleep(100);
        r = HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      }
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      String status = JSON.readTree(r.body()).get("status").asText();
      accepted += status.equals("accepted") ? 1 : 0;
      duplicates += status.equals("duplicate") ? 1 : 0;
    }
    assertThat(accepted).isEqualTo(1);
    assertThat(duplicates).isEqualTo(199);
  }

  @Test
  void signaturesAllowlistsAndLegacyMode() throws Exception {
    CreateAccountResponse signer = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("signer").build());
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("signer").setLegacyHttp200(true)
        .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
            .addIpAllowlist("127.0.0.1")).build());
    String secret = signer.getSecrets().getPostbackSigningSecret();
    String kcid = click("signer");

    String body = "{\"kcid\":\"" + kcid + "\",\"amount\":\"5.00\",\"currency\":\"EUR\"}";
    long now = Instant.now().getEpochSecond();
    HttpResponse<String> ok = post(body, PostbackSigner.header(secret, now, body.getBytes(StandardCharsets.UTF_8)));
    assertThat(JSON.readTree(ok.body()).get("status").asText()).as(ok.body()).isEqualTo("accepted");

    // Legacy mode: rejections are HTTP 200 with the reason in the body — for senders that proved to
    // be the account. One that did not (the signature does not verify) learns nothing about it, not
    // even that it answers in legacy mode.
    HttpResponse<String> changed = post(body.replace("5.00", "6.00"), PostbackSigner.header(secret, now, body.getBytes(StandardCharsets.UTF_8)));
    assertRejected(changed, 401, "POSTBACK_SIGNATURE_INVALID");
    HttpResponse<String> stale = post(body, PostbackSigner.header(secret, now - 3600, body.getBytes(StandardCharsets.UTF_8)));
    assertRejected(stale, 200, "POSTBACK_SIGNATURE_STALE");
    assertRejected(post(body, "t=1"), 401, "POSTBACK_SIGNATURE_INVALID");

    // GET, signed over the canonical query.
    String kcid2 = click("signer");
    Map<String, String> query = with("kcid", kcid2, "goal", "default");
    HttpResponse<String> signedGet = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
            + "/postback?kcid=" + kcid2 + "&goal=default"))
        .header(PostbackSigner.HEADER, PostbackSigner.header(secret, now, PostbackSigner.queryPayload(query))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(JSON.readTree(signedGet.body()).get("status").asText()).as(signedGet.body()).isEqualTo("accepted");

    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("signer").setLegacyHttp200(false)
        .setPostbackAuth(PostbackAuth.newBuilder().addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE)
            .addIpAllowlist("192.0.2.0/24")).build());
    String kcid3 = click("signer");
    String body3 = "{\"kcid\":\"" + kcid3 + "\"}";
    assertRejected(post(body3, PostbackSigner.header(secret, Instant.now().getEpochSecond(), body3.getBytes(StandardCharsets.UTF_8))),
        403, "IP_NOT_ALLOWED");
  }

  private static HttpResponse<String> post(String json, String signature) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback"))
            .header("Content-Type", "application/json").header(PostbackSigner.HEADER, signature)
            .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void batchesAnswerEachItem() throws Exception {
    String a = click("acme");
    String b = click("acme");
    String body = "[{\"kcid\":\"" + a + "\"},{\"kcid\":\"{kcid}\"},{\"clickid\":\"" + b + "\",\"test\":\"1\"},{\"kcid\":\"" + a + "\"}]";
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postbacks?token=" + token()))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode results = JSON.readTree(r.body()).get("results");
    assertThat(results).hasSize(4);
    assertThat(results.get(1).get("reason").asText()).isEqualTo("KCID_MACRO_NOT_REPLACED");
    assertThat(results.get(2).get("status").asText()).isEqualTo("accepted");
    List<String> sameClick = List.of(results.get(0).get("status").asText(), results.get(3).get("status").asText());
    assertThat(sameClick).containsExactlyInAnyOrder("accepted", "duplicate");
  }
}
