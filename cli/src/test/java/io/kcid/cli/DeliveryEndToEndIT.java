package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.WebhookSignature;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue #16 end to end: a conversion posted to the HTTP edge reaches a postback receiver and a
 * webhook receiver (its signature checked) through the server's own delivery workers and the real
 * HTTP sender, on loopback (KCID_DELIVERY_ALLOWED_NETWORKS=127.0.0.1/32); then the delivery log,
 * explain and redeliver as the CLI shows them.
 */
class DeliveryEndToEndIT {
  /** What a receiver got. */
  record Received(String method, String target, Map<String, List<String>> headers, String body, long nanos) {}

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static LocalRedis redis;
  private static RunningServer running;
  private static HttpEdge edge;
  private static HttpServer receiver;
  private static final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    DeliveryConfig delivery = TestServers.loopbackDelivery(true);
    running = RunningServer.start(TestServers.builder(redis.url()).delivery(delivery).build(), Duration.ofSeconds(60));
    edge = HttpEdge.start(TestEdges.loopback(running.server().port()).build());
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
          Map.copyOf(exchange.getRequestHeaders()), new String(body, StandardCharsets.UTF_8), System.nanoTime()));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    edge.close();
    running.close();
    redis.close();
  }

  private static InProcessCli.Run kcid(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--grpc-addr=localhost:" + running.server().port());
    return InProcessCli.run(all);
  }

  @Test
  void aConversionPostedToTheEdgeReachesAPostbackAndASignedWebhook() throws Exception {
    var account = running.newAccount();
    String id = account.getAccount().getAccountId();
    String local = "http://127.0.0.1:" + receiver.getAddress().getPort();
    var deliveries = DeliveryServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    deliveries.createDestination(CreateDestinationRequest.newBuilder().setAccountId(id).setDestinationId("partner")
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK)
        .setUrl(local + "/pb?cid={kcid}&txid={txid}&status={status}&id={delivery_id}")
        .putStatusMap("approved", "1").build());
    String secret = deliveries.createDestination(CreateDestinationRequest.newBuilder().setAccountId(id)
        .setDestinationId("hook").setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl(local + "/hook").build())
        .getSigningSecret();
    String kcid = running.issueClick(id, "spring");

    long posted = System.nanoTime();
    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port()
            + "/postback?kcid=" + kcid + "&txid=order-1&value=49.90&currency=EUR"))
        .header("Authorization", "Bearer " + account.getSecrets().getPostbackToken()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).contains("accepted");

    Received first = received.poll(10, TimeUnit.SECONDS);
    Received second = received.poll(10, TimeUnit.SECONDS);
    assertThat(first).as("first delivery").isNotNull();
    assertThat(second).as("second delivery").isNotNull();
    Received postback = first.method().equals("GET") ? first : second;
    Received webhook = first.method().equals("GET") ? second : first;
    assertThat(postback.target()).startsWith("/pb?cid=" + kcid + "&txid=order-1&status=1&id=dlv_");
    assertThat(webhook.method()).isEqualTo("POST");
    String webhookId = webhook.headers().get("Webhook-id").get(0);
    long timestamp = Long.parseLong(webhook.headers().get("Webhook-timestamp").get(0));
    assertThat(webhookId).startsWith("dlv_");
    assertThat(webhook.headers().get("Webhook-signature").get(0))
        .isEqualTo("v1," + WebhookSignature.sign(secret, webhookId, timestamp, webhook.body().getBytes(StandardCharsets.UTF_8)));
    assertThat(webhook.body()).contains("\"type\":\"conversion.recorded\"").contains(kcid).contains(webhookId);
    // Both well within a few seconds of the postback (the idle server is woken, it does not poll).
    assertThat(Math.max(postback.nanos(), webhook.nanos()) - posted).isLessThan(TimeUnit.SECONDS.toNanos(5));

    // The delivery log, as the CLI shows it.
    InProcessCli.Run log = kcid("deliveries", "--account", id, "--json");
    assertThat(log.out()).contains(webhookId).contains("\"state\":\"delivered\"");
    assertThat(kcid("deliveries", "--account", id, "--failed").out()).contains("no deliveries");
    assertThat(kcid("explain", kcid).out()).contains("deliveries (2").contains(webhookId);
    // Redeliver: a preview without --yes, then for real, under the same id.
    assertThat(kcid("redeliver", "--account", id, "--delivery", webhookId, "--include-delivered").out())
        .contains(webhookId).contains("would be queued");
    assertThat(received.poll(500, TimeUnit.MILLISECONDS)).as("a preview sends nothing").isNull();
    assertThat(kcid("redeliver", "--account", id, "--delivery", webhookId, "--include-delivered", "--yes").out())
        .contains("1 queued");
    Received again = received.poll(10, TimeUnit.SECONDS);
    assertThat(again).isNotNull();
    assertThat(again.headers().get("Webhook-id").get(0)).isEqualTo(webhookId);
  }
}
