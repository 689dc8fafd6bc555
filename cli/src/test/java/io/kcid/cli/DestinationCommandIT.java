package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./kcid destination …} against a real tracking-server and redis-server: an account's and a
 * partner's destinations created, listed (the account's list shows the partner's too), paused,
 * resumed and deleted; a webhook's secret printed once with its warning; a test send to a loopback
 * receiver; refusals with their codes.
 */
class DestinationCommandIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpServer receiver;
  private static final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(2000)).redisQueueSize(1000)
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        // The test receiver is on loopback: allowed as an operator would allow it.
        .delivery(TestServers.loopbackDelivery(false))
        .shutdownGrace(Duration.ofSeconds(5)).build());
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      received.add(exchange.getRequestURI().toString());
      exchange.getRequestBody().readAllBytes();
      byte[] reply = "thanks".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, reply.length);
      exchange.getResponseBody().write(reply);
      exchange.close();
    });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
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

  @Test
  void destinationsAreCreatedListedPausedResumedAndDeleted() throws Exception {
    assertThat(kcid("partner", "create", "--name", "Network", "--id", "network").exit()).isZero();
    assertThat(kcid("account", "create", "--name", "Acme", "--id", "acme", "--partner", "network").exit()).isZero();

    InProcessCli.Run created = kcid("destination", "create", "--account", "acme", "--kind", "postback",
        "--url", "https://203.0.113.10/pb?cid={s1}&payout={value}&txid={txid}&status={status}", "--id", "tracker",
        "--goal", "default", "--on", "accepted,approved,rejected", "--status-map", "approved=1,rejected=2",
        "--concurrency", "8", "--rate", "20");
    assertThat(created.exit()).as(created.err()).isZero();
    assertThat(created.out()).contains("tracker").contains("account:acme").contains("accepted, approved, rejected")
        .contains("approved=1").doesNotContain("signing secret");

    InProcessCli.Run hook = kcid("destination", "create", "--partner", "network", "--kind", "webhook",
        "--url", "https://203.0.113.10/hook", "--id", "hook");
    assertThat(hook.exit()).as(hook.err()).isZero();
    assertThat(hook.out()).containsPattern("signing secret: +whsec_");
    assertThat(hook.err()).contains("Store this signing secret now");
    String secret = hook.out().lines().filter(l -> l.startsWith("signing secret:")).findFirst().orElseThrow()
        .replaceFirst("signing secret: +", "");

    JsonNode listed = json(kcid("destination", "list", "--account", "acme", "--json"));
    assertThat(listed.get("destinations")).extracting(d -> d.get("destination_id").asText()).containsExactly("tracker", "hook");
    assertThat(listed.toString()).as("a list never shows a secret").doesNotContain(secret);
    assertThat(kcid("destination", "list", "--partner", "network", "-q").out().lines().toList()).containsExactly("hook");
    InProcessCli.Run table = kcid("destination", "list", "--account", "acme");
    assertThat(table.out()).contains("tracker\tpostback\taccount:acme\tactive").contains("hook\twebhook\tpartner:network\tactive");

    assertThat(json(kcid("destination", "pause", "tracker", "--account", "acme", "--json")).get("paused").asBoolean()).isTrue();
    assertThat(kcid("destination", "show", "tracker", "--account", "acme").out()).contains("paused");
    assertThat(json(kcid("destination", "resume", "tracker", "--account", "acme", "--json")).get("paused").asBoolean())
        .isFalse();
    JsonNode updated = json(kcid("destination", "update", "tracker", "--account", "acme", "--all-goals", "--json"));
    assertThat(updated.get("goal_keys")).isEmpty();
    assertThat(updated.at("/status_map/approved").asText()).as("kept").isEqualTo("1");

    JsonNode rotated = json(kcid("destination", "rotate-secret", "hook", "--partner", "network", "--grace", "1h", "--json"));
    assertThat(rotated.get("signing_secret").asText()).startsWith("whsec_").isNotEqualTo(secret);

    InProcessCli.Run deleted = kcid("destination", "delete", "tracker", "--account", "acme");
    assertThat(deleted.exit()).as(deleted.err()).isZero();
    assertThat(deleted.out()).contains("deleted destination tracker");
    InProcessCli.Run gone = kcid("destination", "show", "tracker", "--account", "acme");
    assertThat(gone.exit()).isEqualTo(1);
    assertThat(gone.err()).contains("DESTINATION_NOT_FOUND");
  }

  @Test
  void aTestSendShowsTheRequestAndTheReceiversAnswer() {
    assertThat(kcid("account", "create", "--name", "Test Shop", "--id", "test-shop").exit()).isZero();
    String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb?cid={s1}&txid={txid}";
    assertThat(kcid("destination", "create", "--account", "test-shop", "--kind", "postback", "--id", "local",
        "--url", url).exit()).isZero();
    InProcessCli.Run tested = kcid("destination", "test", "local", "--account", "test-shop");
    assertThat(tested.exit()).as(tested.err()).isZero();
    assertThat(tested.out()).contains("/pb?cid=test-s1&txid=test-txid").containsPattern("status: +200")
        .contains("thanks");
    assertThat(received).contains("/pb?cid=test-s1&txid=test-txid");
  }

  @Test
  void badDestinationsAreRefusedWithTheirReasonCodes() {
    assertThat(kcid("account", "create", "--name", "Shop", "--id", "shop").exit()).isZero();
    InProcessCli.Run macro = kcid("destination", "create", "--account", "shop", "--kind", "postback",
        "--url", "https://203.0.113.10/pb?c={clickid}");
    assertThat(macro.exit()).isEqualTo(1);
    assertThat(macro.err()).contains("INVALID_PARAMETER").contains("{clickid}");
    InProcessCli.Run internal = kcid("destination", "create", "--account", "shop", "--kind", "webhook",
        "--url", "http://10.0.0.1:9/hook");
    assertThat(internal.exit()).isEqualTo(1);
    assertThat(internal.err()).contains("DESTINATION_ADDRESS_FORBIDDEN").contains("KCID_DELIVERY_ALLOWED_NETWORKS");
    InProcessCli.Run noOwner = kcid("destination", "list");
    assertThat(noOwner.exit()).isNotZero();
    assertThat(noOwner.err()).contains("exactly one of --account and --partner");
    InProcessCli.Run badEvent = kcid("destination", "create", "--account", "shop", "--kind", "postback",
        "--url", "https://203.0.113.10/pb", "--on", "paid");
    assertThat(badEvent.exit()).isNotZero();
    assertThat(badEvent.err()).contains("--on 'paid'");
  }
}
