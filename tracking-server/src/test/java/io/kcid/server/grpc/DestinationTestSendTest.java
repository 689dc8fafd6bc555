package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.TestDestinationRequest;
import io.kcid.proto.tracking.v1.TestDestinationResponse;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.WebhookSignature;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TestDestination over real gRPC, with the real HTTP sender, to a real HTTP receiver on loopback
 * (allowed by KCID_DELIVERY_ALLOWED_NETWORKS=127.0.0.1/32): the postback's macros filled from a
 * synthetic test conversion, the webhook signed with the secret create returned, the receiver's
 * answer returned as the attempt.
 */
class DestinationTestSendTest {
  /** What the receiver got: method, path with query, headers, body. */
  record Received(String method, String target, Map<String, List<String>> headers, String body) {}

  private static LocalRedis redis;
  private static RunningServer running;
  private static HttpServer receiver;
  private static final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private static final AtomicInteger answer = new AtomicInteger(200);

  @BeforeAll
  static void start() throws Exception {
    redis = LocalRedis.startTemporary();
    DeliveryConfig delivery = TestServers.loopbackDelivery(false);
    running = RunningServer.start(TestServers.builder(redis.url()).delivery(delivery).build(), Duration.ofSeconds(60));
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
          Map.copyOf(exchange.getRequestHeaders()), new String(body, StandardCharsets.UTF_8)));
      byte[] reply = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(answer.get(), reply.length);
      exchange.getResponseBody().write(reply);
      exchange.close();
    });
    receiver.start();
  }

  @AfterAll
  static void stop() {
    receiver.stop(0);
    running.close();
    redis.close();
  }

  private static DeliveryServiceGrpc.DeliveryServiceBlockingStub deliveries() {
    return DeliveryServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static String local() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort();
  }

  private static Received next() throws InterruptedException {
    Received r = received.poll(10, TimeUnit.SECONDS);
    assertThat(r).as("the receiver got a request").isNotNull();
    return r;
  }

  @Test
  void aTestPostbackFillsTheMacrosFromATestConversionAndReturnsTheAnswer() throws Exception {
    received.clear();
    answer.set(200);
    String account = running.newAccount().getAccount().getAccountId();
    deliveries().createDestination(CreateDestinationRequest.newBuilder().setAccountId(account).setDestinationId("pb")
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK)
        .setUrl(local() + "/pb?cid={s1}&payout={value}&cur={currency}&status={status}&acct={account}&id={delivery_id}")
        .putStatusMap("approved", "1").build());
    TestDestinationResponse tested = deliveries().testDestination(TestDestinationRequest.newBuilder()
        .setAccountId(account).setDestinationId("pb").build());
    Received got = next();
    assertThat(got.method()).isEqualTo("GET");
    assertThat(got.target()).startsWith("/pb?cid=test-s1&payout=1.00&cur=USD&status=1&acct=" + account + "&id=test_");
    assertThat(tested.getRequestUrl()).isEqualTo(local() + got.target());
    assertThat(tested.getAttempt().getStatusCode()).isEqualTo(200);
    assertThat(tested.getAttempt().getError()).isEmpty();
    assertThat(tested.getAttempt().hasAttemptTime()).isTrue();

    answer.set(503);
    TestDestinationResponse failed = deliveries().testDestination(TestDestinationRequest.newBuilder()
        .setAccountId(account).setDestinationId("pb").build());
    next();
    assertThat(failed.getAttempt().getStatusCode()).isEqualTo(503);
    assertThat(failed.getAttempt().getError()).isNotEmpty();
    assertThat(received.poll(1, TimeUnit.SECONDS)).as("a test is sent once, never retried").isNull();
  }

  @Test
  void aTestWebhookIsSignedWithTheDestinationsSecret() throws Exception {
    received.clear();
    answer.set(200);
    String partner = running.newPartner().getPartnerId();
    String secret = deliveries().createDestination(CreateDestinationRequest.newBuilder().setPartnerId(partner)
        .setDestinationId("hook").setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl(local() + "/hook").build())
        .getSigningSecret();
    TestDestinationResponse tested = deliveries().testDestination(TestDestinationRequest.newBuilder()
        .setPartnerId(partner).setDestinationId("hook").build());
    Received got = next();
    assertThat(got.method()).isEqualTo("POST");
    assertThat(tested.getRequestUrl()).isEqualTo(local() + "/hook");
    assertThat(tested.getAttempt().getStatusCode()).isEqualTo(200);
    String id = got.headers().get("Webhook-id").get(0);
    long timestamp = Long.parseLong(got.headers().get("Webhook-timestamp").get(0));
    assertThat(id).startsWith("test_");
    assertThat(got.headers().get("Webhook-signature").get(0))
        .isEqualTo("v1," + WebhookSignature.sign(secret, id, timestamp, got.body().getBytes(StandardCharsets.UTF_8)));
    assertThat(got.body()).contains("\"test\":true").contains("\"partner_id\":\"" + partner + "\"").contains(id);
    assertThat(got.toString()).as("the secret itself is never sent").doesNotContain(secret);
  }

  @Test
  void testingAMissingDestinationIsNotFound() {
    String account = running.newAccount().getAccount().getAccountId();
    assertThatThrownBy(() -> deliveries().testDestination(TestDestinationRequest.newBuilder()
            .setAccountId(account).setDestinationId("nothing").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND));
  }
}
