package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./kcid partner …} and {@code ./kcid account create|list|update --partner} against a real
 * tracking-server, HTTP edge and redis-server; switching a partner off refusing an edge postback
 * with PARTNER_INACTIVE until it is switched on again; moving accounts and deleting partners.
 */
class PartnerCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static Path home;

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000)
        // No account (and partner) cache: a partner switched off applies to the next postback.
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5)).build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    home = Files.createTempDirectory("kcid-partner-it");
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  private static InProcessCli.Run kcid(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--grpc-addr", "127.0.0.1:" + server.port()));
    return InProcessCli.run(all);
  }

  private static JsonNode json(InProcessCli.Run run) throws Exception {
    assertThat(run.exit()).as(run.err()).isZero();
    return JSON.readTree(run.out());
  }

  /** The kcid jar in its own process with its own KCID_HOME: account create keeps secrets there. */
  private static JsonNode jar(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("kcid.jar")));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--grpc-addr", "127.0.0.1:" + server.port()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("KCID_") || k.equals("NO_COLOR"));
    pb.environment().put("KCID_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isZero();
    return JSON.readTree(out);
  }

  private static HttpResponse<String> postback(String kcid, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + edge.port() + "/postback?kcid=" + kcid + "&token=" + token)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void partnersAreCreatedListedShownAndUpdated() throws Exception {
    JsonNode created = json(kcid("partner", "create", "--name", "Agency One", "--window", "7d", "--currency", "eur",
        "-o", "json"));
    assertThat(created.get("partner_id").asText()).isEqualTo("agency-one");
    assertThat(created.get("s2s_active").asBoolean()).isTrue();
    assertThat(created.at("/defaults/currency_code").asText()).isEqualTo("EUR");

    InProcessCli.Run again = kcid("partner", "create", "--name", "Again", "--id", "agency-one");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("PARTNER_ALREADY_EXISTS");

    assertThat(kcid("partner", "list", "-q").out().lines().toList()).contains("default", "agency-one");
    assertThat(json(kcid("partner", "show", "agency-one", "-o", "json")).at("/defaults/attribution_window").asText())
        .isEqualTo("7d");
    JsonNode updated = json(kcid("partner", "update", "agency-one", "--name", "Agency 1", "--counting", "every-postback",
        "-o", "json"));
    assertThat(updated.get("display_name").asText()).isEqualTo("Agency 1");
    assertThat(updated.at("/defaults/attribution_window").asText()).as("defaults not named are kept").isEqualTo("7d");

    InProcessCli.Run unknown = kcid("partner", "show", "nobody");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("PARTNER_NOT_FOUND");
  }

  @Test
  void aPartnerSwitchedOffRefusesEdgePostbacksOfItsAccountsUntilSwitchedOn() throws Exception {
    json(kcid("partner", "create", "--name", "Reseller", "--id", "reseller", "-o", "json"));
    JsonNode account = jar("account", "create", "--partner", "reseller", "--name", "Shoes", "--id", "shoes", "-o", "json");
    assertThat(account.at("/account/partner_id").asText()).isEqualTo("reseller");
    String token = account.at("/secrets/postback_token").asText();
    String kcid = ClickServiceGrpc.newBlockingStub(channel)
        .issueClick(IssueClickRequest.newBuilder().setAccountId("shoes").setCampaignId("web").build()).getClick().getKcid();

    assertThat(json(kcid("partner", "update", "reseller", "--s2s", "off", "-o", "json")).get("s2s_active").asBoolean())
        .isFalse();
    HttpResponse<String> refused = postback(kcid, token);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(JSON.readTree(refused.body()).get("reason").asText()).isEqualTo("PARTNER_INACTIVE");
    // Reads go on while the partner is off.
    assertThat(json(kcid("account", "get", "shoes", "-o", "json")).get("partner_id").asText()).isEqualTo("reseller");

    json(kcid("partner", "update", "reseller", "--s2s", "on", "-o", "json"));
    HttpResponse<String> accepted = postback(kcid, token);
    assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);

    InProcessCli.Run unknownPartner = kcid("account", "create", "--partner", "nobody", "--name", "X", "--id", "x");
    assertThat(unknownPartner.exit()).isEqualTo(1);
    assertThat(unknownPartner.err()).contains("PARTNER_NOT_FOUND");
  }

  @Test
  void accountsAreListedByPartnerMovedWithTheirSettingsAndDeletedWithTheirPartner() throws Exception {
    json(kcid("partner", "create", "--name", "Agency Two", "--id", "agency-two", "--time-zone", "Europe/Berlin",
        "--currency", "EUR", "-o", "json"));
    json(kcid("partner", "create", "--name", "Agency Three", "--id", "agency-three", "-o", "json"));
    JsonNode inherited = jar("account", "create", "--partner", "agency-two", "--name", "Boots", "--id", "boots",
        "-o", "json");
    assertThat(inherited.at("/account/time_zone").asText()).isEqualTo("Europe/Berlin");
    assertThat(inherited.at("/account/currency_code").asText()).isEqualTo("EUR");
    JsonNode own = jar("account", "create", "--partner", "agency-two", "--name", "Hats", "--id", "hats",
        "--time-zone", "Asia/Tokyo", "--currency", "jpy", "-o", "json");
    assertThat(own.at("/account/time_zone").asText()).isEqualTo("Asia/Tokyo");
    assertThat(own.at("/account/currency_code").asText()).isEqualTo("JPY");
    assertThat(kcid("account", "list", "--partner", "agency-two", "-q").out().lines().toList())
        .containsExactly("boots", "hats");

    JsonNode moved = json(kcid("account", "update", "hats", "--partner", "agency-three", "--time-zone", "UTC",
        "--currency", "usd", "-o", "json"));
    assertThat(moved.get("partner_id").asText()).isEqualTo("agency-three");
    assertThat(moved.get("time_zone").asText()).isEqualTo("UTC");
    assertThat(moved.get("currency_code").asText()).isEqualTo("USD");
    assertThat(kcid("account", "list", "--partner", "agency-two", "-q").out().lines().toList()).containsExactly("boots");
    InProcessCli.Run badZone = kcid("account", "update", "hats", "--time-zone", "Mars/Olympus");
    assertThat(badZone.exit()).isEqualTo(1);
    assertThat(badZone.err()).contains("INVALID_PARAMETER").contains("time_zone");

    InProcessCli.Run refused = kcid("partner", "delete", "agency-two");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("PARTNER_HAS_ACCOUNTS").contains("--cascade");
    JsonNode deleted = json(kcid("partner", "delete", "agency-two", "--cascade", "-o", "json"));
    assertThat(deleted.get("deleted").asBoolean()).isTrue();
    assertThat(deleted.get("deleted_account_ids")).extracting(JsonNode::asText).containsExactly("boots");
    assertThat(kcid("account", "get", "boots").err()).contains("ACCOUNT_NOT_FOUND");
    assertThat(kcid("partner", "list", "-q").out().lines().toList()).doesNotContain("agency-two").contains("agency-three");
    assertThat(json(kcid("account", "get", "hats", "-o", "json")).get("partner_id").asText())
        .as("the moved account is not the deleted partner's").isEqualTo("agency-three");
  }
}
