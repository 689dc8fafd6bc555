package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.cli.InProcessCli.Run;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./kcid postbacks}, {@code explain} and {@code replay} against a real tracking-server,
 * http-edge and redis-server: an advertiser's postbacks go through the edge, support reads the log
 * and replays what a paused goal refused.
 */
class DiagnosticsCliIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static String token;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    admin = AdminServiceGrpc.newBlockingStub(channel);
    token = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("shop").build())
        .getSecrets().getPostbackToken();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("shop").setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  /** Runs the CLI in this JVM, capturing what it prints. */
  private static Run kcid(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--grpc-addr=localhost:" + server.port());
    return InProcessCli.run(all);
  }

  private static HttpResponse<String> postback(String query) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback?" + query))
        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void supportReadsTheLogExplainsAClickAndReplaysWhatAPausedGoalRefused() throws Exception {
    String kcid = ClickServiceGrpc.newBlockingStub(channel)
        .issueClick(IssueClickRequest.newBuilder().setAccountId("shop").setCampaignId("summer").build()).getClick().getKcid();
    assertThat(postback("kcid=" + kcid + "&goal=sale&amount=30&currency=EUR&txid=A-17").statusCode()).isEqualTo(422);
    assertThat(postback("clickid=%7Bkcid%7D&goal=sale").statusCode()).isEqualTo(400);

    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(kcid("postbacks", "--account", "shop").out()).contains("KCID_MACRO_NOT_REPLACED"));
    Run listed = kcid("postbacks", "--account", "shop", "--since", "1h");
    assertThat(listed.exit()).as(listed.err()).isZero();
    assertThat(listed.out()).contains("received (UTC)", "rejected", "GOAL_PAUSED", kcid, "30 EUR", "A-17",
        "127.0.0.0/24", "token", "{kcid}");
    assertThat(listed.out()).doesNotContain(token);
    assertThat(kcid("postbacks", "--account", "shop", "--outcome", "accepted").out()).contains("no postbacks");
    assertThat(kcid("postbacks", "--account", "shop", "--reason", "not_a_reason").exit()).isEqualTo(2);

    JsonNode json = JSON.readTree(kcid("postbacks", "--account", "shop", "--kcid", kcid.toUpperCase(), "--json").out());
    assertThat(json.get("entries")).hasSize(1);
    String logId = json.at("/entries/0/log_id").asText();
    assertThat(json.at("/entries/0/reason").asText()).isEqualTo("GOAL_PAUSED");

    Run explained = kcid("explain", kcid);
    assertThat(explained.exit()).as(explained.err()).isZero();
    assertThat(explained.out()).contains("stored: account shop, campaign summer", "conversions (0)",
        "postback attempts (1", "GOAL_PAUSED", "paused");
    assertThat(kcid("explain", "{kcid}", "--account", "shop").out())
        .contains("KCID_MACRO_NOT_REPLACED", "postback attempts (1");

    Run stillPaused = kcid("replay", "--account", "shop", "--id", logId, "--dry-run");
    assertThat(stillPaused.out()).contains(logId, "rejected", "GOAL_PAUSED", "dry run, nothing written");

    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId("shop").setGoalKey("sale").setState(GoalState.GOAL_STATE_ACTIVE).build());
    assertThat(kcid("replay", "--account", "shop", "--id", logId, "--dry-run").out()).contains("1 would be accepted");
    assertThat(kcid("conversions", "--kcid", kcid).out()).contains("no conversions");

    Run replayed = kcid("replay", "--account", "shop", "--since", "1h", "--reason", "goal_paused");
    assertThat(replayed.exit()).as(replayed.err()).isZero();
    assertThat(replayed.out()).contains(logId, "accepted", "Recorded as " + kcid + "-1").doesNotContain("dry run");
    assertThat(kcid("conversions", "--kcid", kcid).out()).contains(kcid + "-1", "30 EUR", "A-17");
    assertThat(kcid("replay", "--account", "shop", "--id", logId).out()).contains("duplicate", "Already replayed");
    // The log says so too: the second replay met the first one's conversion and wrote nothing.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(kcid("postbacks", "--account", "shop", "--kcid", kcid).out()).contains("duplicate (replay)"));
    Run log = kcid("postbacks", "--account", "shop", "--kcid", kcid);
    assertThat(log.out().lines().filter(l -> l.contains("duplicate (replay)")).toList()).singleElement()
        .satisfies(l -> assertThat(l).contains("replay " + logId).doesNotContain("accepted"));
    assertThat(log.out().lines().filter(l -> l.contains(" accepted ")).toList()).singleElement()
        .satisfies(l -> assertThat(l).contains("replay " + logId));
    assertThat(kcid("explain", kcid).out()).contains("duplicate (replay)");
    assertThat(kcid("replay", "--account", "shop", "--id", logId, "--since", "1h").exit()).isEqualTo(2);
  }

  @Test
  void theReplayNeverReachesAnUnauthenticatedPostback() throws Exception {
    admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("victim").build());
    String kcid = ClickServiceGrpc.newBlockingStub(channel)
        .issueClick(IssueClickRequest.newBuilder().setAccountId("victim").setCampaignId("summer").build()).getClick().getKcid();
    // A stranger's postback without credentials, naming the account: refused, and logged for it.
    HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
        + "/postback?kcid=" + kcid + "&a=victim&amount=9999&currency=USD&txid=loot")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(forged.statusCode()).isEqualTo(401);
    // Kept apart from the account's log (counted, sampled), so replay, which reads only the log, never sees it.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(kcid("postbacks", "--account", "victim", "--unauthenticated").out()).contains("POSTBACK_CREDENTIALS_MISSING", "loot"));

    for (boolean dryRun : List.of(true, false)) {
      Run replay = dryRun
          ? kcid("replay", "--account", "victim", "--since", "1h", "--dry-run")
          : kcid("replay", "--account", "victim", "--since", "1h");
      assertThat(replay.exit()).as(replay.err()).isZero();
      assertThat(replay.out()).contains("no rejected postbacks to replay").doesNotContain("accepted");
    }
    assertThat(kcid("conversions", "--kcid", kcid).out()).contains("no conversions");
  }

  @Test
  void unauthenticatedRefusalsAreListedApartWithTheirCounts() throws Exception {
    String kcid = ClickServiceGrpc.newBlockingStub(channel)
        .issueClick(IssueClickRequest.newBuilder().setAccountId("shop").setCampaignId("winter").build()).getClick().getKcid();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
          + "/postback?kcid=" + kcid + "&goal=sale&txid=anon-" + i)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(anonymous.statusCode()).isEqualTo(401);
    }
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(kcid("postbacks", "--account", "shop", "--unauthenticated").out())
            .contains("unauthenticated refusals in this period (counted by the hour): 3 (POSTBACK_CREDENTIALS_MISSING 3)"));
    Run refusals = kcid("postbacks", "--account", "shop", "--unauthenticated");
    assertThat(refusals.exit()).as(refusals.err()).isZero();
    assertThat(refusals.out()).contains("a sample", "anon-0", "anon-2", "POSTBACK_CREDENTIALS_MISSING", kcid);
    Run log = kcid("postbacks", "--account", "shop", "--kcid", kcid);
    assertThat(log.out()).contains("no postbacks", "see --unauthenticated").doesNotContain("anon-");
    JsonNode json = JSON.readTree(kcid("postbacks", "--account", "shop", "--unauthenticated", "--json").out());
    assertThat(json.at("/refusal_counts/0/reason").asText()).isEqualTo("POSTBACK_CREDENTIALS_MISSING");
    assertThat(json.at("/refusal_counts/0/count").isNumber()).isTrue();
    assertThat(json.at("/refusal_counts/0/count").asLong()).isEqualTo(3);
    assertThat(kcid("postbacks", "--unattributed", "--unauthenticated").exit()).isNotZero();
    assertThat(kcid("explain", kcid).out()).contains("postback attempts (0", "refused for their credentials (3", "anon-1");
  }
}
