package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.kcid.client.Deliveries.Owner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretResponse;
import io.kcid.proto.tracking.v1.TestDestinationResponse;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DeliveryService through the client against a real tracking-server (in-process, real
 * redis-server, delivery workers on, loopback allowed as a destination): a local receiver gets the
 * webhooks, which {@link WebhookVerifier} checks with the secret the server returned.
 */
class DeliveriesIT {
  private static final String ADMIN_KEY = "deliveries-it-admin-0123456789abcdefXYZ";

  /** One request the receiver got: its headers (lower-case names) and body. */
  record Received(Map<String, String> headers, byte[] body) {
    String id() {
      return headers.getOrDefault("webhook-id", "");
    }
  }

  private static final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpServer receiver;
  private static String receiverUrl;
  private static KcidClient kcid;

  @BeforeAll
  static void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, String> headers = new HashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(" ", v)));
      received.add(new Received(headers, body));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    receiverUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/kcid";

    redis = LocalRedis.startTemporary();
    DeliveryConfig delivery = new DeliveryConfig(true, DeliveryConfig.DEFAULT_MAX_AGE, List.of("127.0.0.0/8"),
        DeliveryConfig.DEFAULT_CONNECT_TIMEOUT, DeliveryConfig.DEFAULT_REQUEST_TIMEOUT,
        DeliveryConfig.DEFAULT_CONCURRENCY, DeliveryConfig.DEFAULT_LOG_RETENTION,
        DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER);
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5))
        .security(ServerSecurity.open().withAuth(AuthMode.REQUIRED,
            ConfiguredApiKeys.parse("it-admin:admin+issue+ingest+read:" + ADMIN_KEY)))
        .delivery(delivery)
        .build());
    kcid = KcidClient.connect(KcidClientOptions.builder()
        .target("127.0.0.1:" + server.port()).plaintext().apiKey(ADMIN_KEY).build());
  }

  @AfterAll
  static void stop() {
    if (kcid != null) {
      kcid.close();
    }
    if (server != null) {
      server.close();
    }
    if (redis != null) {
      redis.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  /** The next request received whose webhook-id starts with prefix, waiting up to 20 s. */
  private static Received awaitWebhook(String prefix) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (;;) {
      Received r = received.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (r == null) {
        return fail("the receiver got no webhook " + prefix + "… within 20 s");
      }
      if (r.id().startsWith(prefix)) {
        return r;
      }
    }
  }

  private static void assertReason(ThrowingCallable call, ErrorReason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(KcidException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void destinationsAreCreatedRefusedReadUpdatedPausedRotatedAndDeleted() throws Exception {
    String accountId = "java-dst-" + UUID.randomUUID().toString().substring(0, 8);
    kcid.admin().createAccount(CreateAccountRequest.newBuilder().setAccountId(accountId).build());
    Owner owner = Owner.account(accountId);
    Deliveries deliveries = kcid.deliveries();

    CreateDestinationResponse created = deliveries.createWebhook(owner, "hooks", receiverUrl);
    String secret = created.getSigningSecret();
    assertThat(created.getDestination().getDestinationId()).isEqualTo("hooks");
    assertThat(created.getDestination().getAccountId()).isEqualTo(accountId);
    assertThat(created.getDestination().getKind()).isEqualTo(DestinationKind.DESTINATION_KIND_WEBHOOK);
    assertThat(secret).startsWith("whsec_");
    assertThat(WebhookVerifier.of(secret)).isNotNull();
    assertReason(() -> deliveries.createWebhook(owner, "hooks", receiverUrl), ErrorReason.ERROR_REASON_DESTINATION_ALREADY_EXISTS);
    // Postbacks to the same loopback receiver: its address resolves and is allowed.
    String postbackBase = receiverUrl.replaceFirst("/kcid$", "/pb");
    assertThatThrownBy(() -> deliveries.createPostback(owner, "", postbackBase + "?cid={no_such_macro}"))
        .isInstanceOfSatisfying(KcidException.class, e -> {
          assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
          assertThat(e.description()).contains("no_such_macro");
        });
    assertReason(() -> deliveries.createPostback(owner, "", "http://169.254.169.254/pb?cid={s1}"),
        ErrorReason.ERROR_REASON_DESTINATION_ADDRESS_FORBIDDEN);
    assertThat(deliveries.createPostback(owner, "tracker", postbackBase + "?cid={s1}&txid={txid}&status={status}")
        .getKind()).isEqualTo(DestinationKind.DESTINATION_KIND_POSTBACK);
    assertReason(() -> deliveries.getDestination(owner, "no-such-destination"), ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND);
    assertThat(deliveries.getDestination(owner, "hooks").getUrl()).isEqualTo(receiverUrl);
    assertThat(deliveries.listDestinations(owner)).extracting(Destination::getDestinationId)
        .containsExactlyInAnyOrder("hooks", "tracker");

    Destination updated = deliveries.updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(accountId)
        .setDestinationId("tracker").setReplaceStatusMap(true).putStatusMap("approved", "1").putStatusMap("rejected", "2").build());
    assertThat(updated.getStatusMapMap()).containsExactlyInAnyOrderEntriesOf(Map.of("approved", "1", "rejected", "2"));
    assertThat(deliveries.pause(owner, "hooks").getPaused()).isTrue();
    assertThat(deliveries.getDestination(owner, "hooks").getPaused()).isTrue();
    assertThat(deliveries.resume(owner, "hooks").getPaused()).isFalse();
    RotateDestinationSecretResponse rotated = deliveries.rotateSecret(owner, "hooks", Duration.ofHours(1));
    assertThat(rotated.getSigningSecret()).startsWith("whsec_").isNotEqualTo(secret);
    assertThat(rotated.hasPreviousSecretExpireTime()).isTrue();
    assertReason(() -> deliveries.rotateSecret(owner, "tracker", null), ErrorReason.ERROR_REASON_INVALID_PARAMETER);

    // A partner's destination applies to its accounts: listed with the account's, marked by its owner.
    String partnerId = "java-dst-partner-" + UUID.randomUUID().toString().substring(0, 8);
    kcid.partners().createPartner(CreatePartnerRequest.newBuilder().setPartnerId(partnerId).setDisplayName("Java destinations").build());
    String member = "java-dst-member-" + UUID.randomUUID().toString().substring(0, 8);
    kcid.admin().createAccount(CreateAccountRequest.newBuilder().setAccountId(member).setPartnerId(partnerId).build());
    Destination agency = deliveries.createWebhook(Owner.partner(partnerId), "agency-hooks", receiverUrl).getDestination();
    assertThat(List.of(agency.getPartnerId(), agency.getAccountId())).containsExactly(partnerId, "");
    assertThat(deliveries.listDestinations(Owner.account(member)))
        .extracting(Destination::getDestinationId, Destination::getPartnerId)
        .containsExactly(tuple("agency-hooks", partnerId));
    deliveries.deleteDestination(Owner.partner(partnerId), "agency-hooks");

    deliveries.deleteDestination(owner, "hooks");
    deliveries.deleteDestination(owner, "tracker");
    assertReason(() -> deliveries.getDestination(owner, "hooks"), ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND);
    assertReason(() -> deliveries.deleteDestination(owner, "hooks"), ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND);
    assertThat(deliveries.listDestinations(owner)).isEmpty();
  }

  @Test
  void webhooksAreVerifiedLoggedPreviewedAndDoublySignedAfterARotation() throws Exception {
    String accountId = "java-dlv-" + UUID.randomUUID().toString().substring(0, 8);
    CreateAccountResponse account = kcid.admin().createAccount(CreateAccountRequest.newBuilder().setAccountId(accountId).build());
    Owner owner = Owner.account(accountId);
    Deliveries deliveries = kcid.deliveries();
    String secret = deliveries.createWebhook(owner, "hooks", receiverUrl).getSigningSecret();
    WebhookVerifier verifier = WebhookVerifier.of(secret);
    ObjectMapper json = new ObjectMapper();

    // A test webhook, signed: the verifier accepts it.
    TestDestinationResponse tested = deliveries.testDestination(owner, "hooks");
    assertThat(tested.getAttempt().getStatusCode()).isEqualTo(200);
    assertThat(tested.getRequestUrl()).isEqualTo(receiverUrl);
    Received hook = awaitWebhook("test_");
    verifier.verify(hook.headers(), hook.body());
    assertThat(json.readTree(hook.body()).path("data").path("test").asBoolean()).isTrue();

    // A recorded conversion reaches the receiver as a verified webhook.
    String click = kcid.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("spring")
        .build()).getClick().getKcid();
    RecordConversionResponse accepted = kcid.conversions().recordConversion(RecordConversionRequest.newBuilder()
        .setKcid(click).setValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("EUR"))
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build());
    assertThat(accepted.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    hook = awaitWebhook("dlv_");
    verifier.verify(hook.headers(), hook.body());
    JsonNode event = json.readTree(hook.body());
    String deliveryId = hook.id();
    assertThat(event.path("type").asText()).isEqualTo("conversion.recorded");
    assertThat(List.of(event.path("data").path("conversion_id").asText(), event.path("data").path("kcid").asText(),
        event.path("data").path("account_id").asText(), event.path("data").path("delivery_id").asText()))
        .containsExactly(accepted.getConversionId(), click, accountId, deliveryId);

    // The delivery log shows it delivered (written after the answer: poll a moment).
    ListDeliveriesRequest log = ListDeliveriesRequest.newBuilder().setAccountId(accountId).setPageSize(1).build();
    Optional<Delivery> found = Optional.empty();
    for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); System.nanoTime() < deadline; Thread.sleep(200)) {
      found = deliveries.listAllDeliveries(log).filter(d -> d.getDeliveryId().equals(deliveryId)).findFirst();
      if (found.map(d -> d.getState() == DeliveryState.DELIVERY_STATE_DELIVERED).orElse(false)) {
        break;
      }
    }
    assertThat(found).hasValueSatisfying(d -> {
      assertThat(d.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
      assertThat(d.getDestinationId()).isEqualTo("hooks");
      assertThat(d.getConversionId()).isEqualTo(accepted.getConversionId());
      assertThat(d.getAttemptsList()).isNotEmpty();
      assertThat(d.getAttempts(d.getAttemptsCount() - 1).getStatusCode()).isEqualTo(200);
    });
    assertThat(deliveries.previewRedeliver(RedeliverRequest.newBuilder().setAccountId(accountId)
        .setDeliveryId(deliveryId).setIncludeDelivered(true).build())).containsExactly(deliveryId);
    assertThat(deliveries.listAllDeliveries(log.toBuilder().setFailedOnly(true).build())).isEmpty();

    // After a rotation the webhook carries two signatures; either secret verifies it.
    RotateDestinationSecretResponse rotated = deliveries.rotateSecret(owner, "hooks", Duration.ofHours(1));
    deliveries.testDestination(owner, "hooks");
    hook = awaitWebhook("test_");
    assertThat(hook.headers().get("webhook-signature").split(" ")).hasSize(2);
    for (String s : List.of(rotated.getSigningSecret(), secret)) {
      WebhookVerifier.of(s).verify(hook.headers(), hook.body());
    }
  }
}
