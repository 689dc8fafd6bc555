package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.testing.LocalCluster;
import io.lettuce.core.Range;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kcid scaled out: two tracking-servers and two HTTP edges (each edge on its own server) on one
 * 3-primary Redis Cluster. Clicks minted through either edge resolve and convert through the
 * other; the same postbacks sent through both edges at once count exactly once.
 */
class ScaleOutIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final int CLICKS = 100;

  private static LocalCluster cluster;
  private static final List<TrackingServer> servers = new ArrayList<>();
  private static final List<HttpEdge> edges = new ArrayList<>();
  private static final List<ManagedChannel> channels = new ArrayList<>();
  private static CreateAccountResponse account;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(3, 0, false);
    for (int i = 0; i < 2; i++) {
      TrackingServer server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
          .redisUrl(cluster.url()).partitions(16).macKeys(KEYS).redisTimeout(Duration.ofMillis(500))
          .redisQueueSize(1000).accountCacheTtl(Duration.ofSeconds(1)).streamMaxLength(100_000)
          .drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).build());
      servers.add(server);
      edges.add(HttpEdge.start(TestEdges.loopback(server.port()).build()));
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build());
    }
    // The account on one server, its goal through the other.
    account = AdminServiceGrpc.newBlockingStub(channels.get(0))
        .createAccount(CreateAccountRequest.newBuilder().setAccountId("scale").build());
    AdminServiceGrpc.newBlockingStub(channels.get(1)).createGoal(CreateGoalRequest.newBuilder()
        .setAccountId("scale").setGoalKey("sale")
        .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    edges.forEach(HttpEdge::close);
    servers.forEach(TrackingServer::close);
    cluster.close();
  }

  private static String edge(int i) {
    return "http://127.0.0.1:" + edges.get(i).port();
  }

  /** Follows a signed click URL through edge {@code i}; returns the kcid of the redirect. */
  private static String clickThrough(int i, int n) throws Exception {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", "scale");
    params.put("c", "campaign-" + (n % 3));
    params.put("u", "https://shop.example/p/" + n);
    HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(
            URI.create(ClickUrlSigner.signedUrl(edge(i), params, account.getSecrets().getClickSecret()))).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(302);
    return r.headers().firstValue("Location").orElseThrow().replaceAll(".*kcid=([0-9a-z]{32}).*", "$1");
  }

  /**
   * A postback through edge {@code i}, sent as a well-behaved sender does: a 503 (outcome unknown,
   * e.g. the backend too busy to answer within the edge's deadline) is retried with the same
   * postback. At most {@link #IN_FLIGHT} postbacks are in flight at once.
   */
  private static CompletableFuture<HttpResponse<String>> postback(int i, String kcid, String txid) {
    String query = "kcid=" + kcid + "&goal=sale&txid=" + URLEncoder.encode(txid, StandardCharsets.UTF_8)
        + "&value=2.50&currency=EUR&token=" + URLEncoder.encode(account.getSecrets().getPostbackToken(), StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(URI.create(edge(i) + "/postback?" + query)).build();
    return CompletableFuture.runAsync(IN_FLIGHT::acquireUninterruptibly)
        .thenCompose(x -> sendRetrying(request, 50))
        .whenComplete((r, e) -> IN_FLIGHT.release());
  }

  private static final java.util.concurrent.Semaphore IN_FLIGHT = new java.util.concurrent.Semaphore(32);

  private static CompletableFuture<HttpResponse<String>> sendRetrying(HttpRequest request, int attemptsLeft) {
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenCompose(r -> {
      if (r.statusCode() != 503 || attemptsLeft <= 1) {
        return CompletableFuture.completedFuture(r);
      }
      return CompletableFuture.supplyAsync(() -> null,
              CompletableFuture.delayedExecutor(50, java.util.concurrent.TimeUnit.MILLISECONDS))
          .thenCompose(x -> sendRetrying(request, attemptsLeft - 1));
    });
  }

  @Test
  void clicksFromEitherEdgeConvertThroughTheOtherAndCountExactlyOnce() throws Exception {
    List<String> kcids = new ArrayList<>();
    for (int n = 0; n < CLICKS; n++) {
      kcids.add(clickThrough(n % 2, n));
    }
    assertThat(new HashSet<>(kcids)).hasSize(CLICKS);
    // Every click is readable through both servers.
    for (String kcid : kcids) {
      for (ManagedChannel channel : channels) {
        assertThat(ClickServiceGrpc.newBlockingStub(channel).getClick(GetClickRequest.newBuilder().setKcid(kcid).build())
            .getClick().getAccountId()).isEqualTo("scale");
      }
    }

    // Each click: two orders, each posted back through both edges at the same time (a sender that
    // retries through another load-balanced instance). Minted on one side, counted on the other.
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int n = 0; n < CLICKS; n++) {
      for (String order : List.of("A", "B")) {
        sent.add(postback(0, kcids.get(n), n + "-" + order));
        sent.add(postback(1, kcids.get(n), n + "-" + order));
      }
    }
    // Every postback ends 200, accepted or duplicate; all answers about one order name one
    // conversion (an accepted answer lost to a 503 comes back as "duplicate" of it on retry).
    Map<String, String> conversionOfOrder = new HashMap<>();
    Map<String, Integer> byStatus = new HashMap<>();
    for (int k = 0; k < sent.size(); k++) {
      HttpResponse<String> r = sent.get(k).join();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(r.body());
      byStatus.merge(body.get("status").asText(), 1, Integer::sum);
      String order = (k / 4) + "-" + (k % 4 < 2 ? "A" : "B");
      String id = body.get("conversion_id").asText();
      assertThat(conversionOfOrder.putIfAbsent(order, id)).as(order).isIn(null, id);
    }
    assertThat(byStatus.keySet()).isSubsetOf("accepted", "duplicate");
    assertThat(byStatus.get("accepted")).isBetween(1, 2 * CLICKS);
    Set<String> acceptedIds = new HashSet<>(conversionOfOrder.values());
    assertThat(acceptedIds).hasSize(2 * CLICKS);

    // What is stored, read through either server: two conversions per click, the accepted ones.
    Set<String> stored = new HashSet<>();
    for (int n = 0; n < CLICKS; n++) {
      var listed = ConversionServiceGrpc.newBlockingStub(channels.get(n % 2))
          .listConversions(ListConversionsRequest.newBuilder().setKcid(kcids.get(n)).build()).getConversionsList();
      assertThat(listed).extracting(c -> c.getTransactionId()).containsExactlyInAnyOrder(n + "-A", n + "-B");
      listed.forEach(c -> stored.add(c.getConversionId()));
    }
    assertThat(stored).isEqualTo(acceptedIds);

    // The partitions' conversion streams (what counters and reports are built from) hold each
    // conversion exactly once.
    List<String> streamed = new ArrayList<>();
    for (int p = 0; p < 16; p++) {
      cluster.commands().xrange("kc:{" + p + "}:s", Range.create("-", "+")).stream()
          .filter(e -> "scale".equals(e.getBody().get("a")) && "conversion".equals(e.getBody().get("type")))
          .forEach(e -> streamed.add(e.getBody().get("id")));
    }
    assertThat(streamed).hasSize(2 * CLICKS).doesNotHaveDuplicates();
    assertThat(new HashSet<>(streamed)).isEqualTo(acceptedIds);
  }
}
