package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.metadataOf;
import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateDestinationResponse;
import io.kcid.proto.tracking.v1.DeleteDestinationRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetDestinationRequest;
import io.kcid.proto.tracking.v1.ListDestinationsRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretRequest;
import io.kcid.proto.tracking.v1.RotateDestinationSecretResponse;
import io.kcid.proto.tracking.v1.UpdateDestinationRequest;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.delivery.ActiveDestination;
import io.kcid.server.destination.CachedDestinationDirectory;
import io.kcid.server.store.DestinationOwner;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.store.redis.RedisAccountStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisDestinationStore;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Destinations over real gRPC on a real redis-server: their lifecycle, every validation refusal
 * with its reason code, webhook secrets (shown by create and rotate only; both sign during a
 * rotation's grace), and what the cached directory gives the delivery workers (an account's own
 * destinations and its partner's).
 */
class DestinationServiceTest {
  /** A public address literal (TEST-NET-3): passes the SSRF rule without a DNS lookup. */
  private static final String PUBLIC = "https://203.0.113.10";

  private static LocalRedis redis;
  private static RunningServer running;
  private static RedisConnector connector;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    running = RunningServer.start(TestServers.config(redis.url()), Duration.ofSeconds(60));
    connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 1000);
  }

  @AfterAll
  static void stop() {
    connector.close();
    running.close();
    redis.close();
  }

  private static DeliveryServiceGrpc.DeliveryServiceBlockingStub deliveries() {
    return DeliveryServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static CreateDestinationRequest.Builder postback(String accountId, String url) {
    return CreateDestinationRequest.newBuilder().setAccountId(accountId)
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl(url);
  }

  /** A directory as another server has it, with its own caches of {@code ttl} (zero: every read sees the store). */
  private static CachedDestinationDirectory directory(Clock clock, Duration ttl) {
    var accounts = new AccountDirectory(new RedisAccountStore(connector.commands()), clock, ttl);
    return new CachedDestinationDirectory(new RedisDestinationStore(connector.commands()), accounts, clock, ttl);
  }

  private static List<ActiveDestination> forAccount(CachedDestinationDirectory directory, String accountId) {
    return directory.forAccount(accountId).toCompletableFuture().join();
  }

  @Test
  void aPostbackDestinationIsCreatedReadListedPausedResumedAndDeleted() {
    String account = running.newAccount().getAccount().getAccountId();
    CreateDestinationResponse created = deliveries().createDestination(postback(account,
            PUBLIC + "/pb?cid={s1}&payout={value}&txid={txid}&status={status}")
        .setDestinationId("tracker").addGoalKeys("default")
        .addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED).addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_APPROVED)
        .putStatusMap("approved", "1").putStatusMap("rejected", "2").setMaxConcurrency(8).setMaxRequestsPerSecond(50)
        .build());
    Destination d = created.getDestination();
    assertThat(created.getSigningSecret()).as("postbacks have no secret").isEmpty();
    assertThat(d.getAccountId()).isEqualTo(account);
    assertThat(d.getGoalKeysList()).containsExactly("default");
    assertThat(d.getStatusMapMap()).containsEntry("approved", "1").containsEntry("rejected", "2");
    assertThat(d.hasCreateTime()).isTrue();
    assertThat(deliveries().getDestination(GetDestinationRequest.newBuilder().setAccountId(account)
        .setDestinationId("tracker").build()).getDestination()).isEqualTo(d);
    assertThat(deliveries().listDestinations(ListDestinationsRequest.newBuilder().setAccountId(account).build())
        .getDestinationsList()).containsExactly(d);

    assertThatThrownBy(() -> deliveries().createDestination(postback(account, PUBLIC + "/other")
            .setDestinationId("tracker").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_ALREADY_EXISTS))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));

    // The worker's circuit breaker opens it; resuming closes it again.
    directory(Clock.systemUTC(), Duration.ZERO).markCircuit(d, true, "failing since 2026-12-04T01:00:00Z: HTTP 503")
        .toCompletableFuture().join();
    Destination open = get(account, "tracker");
    assertThat(open.getCircuitOpen()).isTrue();
    assertThat(open.getCircuitReason()).contains("HTTP 503");
    Destination paused = deliveries().updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(account)
        .setDestinationId("tracker").setPaused(true).build()).getDestination();
    assertThat(paused.getPaused()).isTrue();
    assertThat(paused.getCircuitOpen()).as("pausing leaves the circuit as it is").isTrue();
    Destination resumed = deliveries().updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(account)
        .setDestinationId("tracker").setPaused(false).setReplaceGoalKeys(true).build()).getDestination();
    assertThat(resumed.getPaused()).isFalse();
    assertThat(resumed.getCircuitOpen()).isFalse();
    assertThat(resumed.getCircuitReason()).isEmpty();
    assertThat(resumed.getGoalKeysList()).as("replaced by an empty list: every goal").isEmpty();
    assertThat(resumed.getStatusMapMap()).as("not named, kept").containsEntry("approved", "1");
    assertThat(get(account, "tracker")).isEqualTo(resumed);

    deliveries().deleteDestination(DeleteDestinationRequest.newBuilder().setAccountId(account).setDestinationId("tracker").build());
    assertThatThrownBy(() -> get(account, "tracker"))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> deliveries().deleteDestination(
            DeleteDestinationRequest.newBuilder().setAccountId(account).setDestinationId("tracker").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND));
    assertThat(deliveries().createDestination(postback(account, PUBLIC + "/pb").build()).getDestination()
        .getDestinationId()).as("generated id").matches("[a-z0-9_-]{1,64}");
  }

  private static Destination get(String account, String id) {
    return deliveries().getDestination(GetDestinationRequest.newBuilder().setAccountId(account).setDestinationId(id).build())
        .getDestination();
  }

  @Test
  void badDestinationsAreRefusedWithAReasonCode() {
    String account = running.newAccount().getAccount().getAccountId();
    assertThatThrownBy(() -> deliveries().createDestination(postback(account, PUBLIC + "/pb?c={clickid}").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER))
        .satisfies(e -> assertThat(metadataOf(e)).containsEntry("macro", "clickid"))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("{clickid}"));
    for (String internal : List.of("http://127.0.0.1:8080/pb", "http://169.254.169.254/latest/meta-data",
        "http://10.1.2.3/pb", "http://[::1]/pb")) {
      assertThatThrownBy(() -> deliveries().createDestination(postback(account, internal).build()))
          .as(internal)
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_ADDRESS_FORBIDDEN))
          .satisfies(e -> assertThat(Status.fromThrowable(e).getDescription()).contains("KCID_DELIVERY_ALLOWED_NETWORKS"));
    }
    refused(CreateDestinationRequest.newBuilder().setAccountId(account).setKind(DestinationKind.DESTINATION_KIND_WEBHOOK)
        .setUrl(PUBLIC + "/hook/{kcid}").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER, "url");
    refused(CreateDestinationRequest.newBuilder().setAccountId(account).setUrl(PUBLIC + "/pb").build(),
        ErrorReason.ERROR_REASON_MISSING_PARAMETER, "kind");
    refused(postback(account, "ftp://203.0.113.10/pb").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER, "url");
    refused(postback(account, PUBLIC + "/pb").setPartnerId("default").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER, null);
    refused(postback(account, PUBLIC + "/pb").addGoalKeys("no-such-goal").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "goal_keys");
    refused(postback(account, PUBLIC + "/pb").putStatusMap("paid", "1").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "status_map");
    refused(postback(account, PUBLIC + "/pb").putStatusMap("approved", "").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "status_map");
    refused(postback(account, PUBLIC + "/pb").setMaxConcurrency(257).build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "max_concurrency");
    refused(postback(account, PUBLIC + "/pb").setMaxRequestsPerSecond(10_001).build(),
        ErrorReason.ERROR_REASON_INVALID_PARAMETER, "max_requests_per_second");
    refused(postback(account, PUBLIC + "/pb").setDestinationId("Not Valid").build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER,
        "destination_id");
    refused(postback(account, PUBLIC + "/pb").addTriggersValue(0).build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER, "triggers");
    refused(postback("no-such-account", PUBLIC + "/pb").build(), ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND, null);
    refused(CreateDestinationRequest.newBuilder().setPartnerId("no-such-partner").setKind(DestinationKind.DESTINATION_KIND_POSTBACK)
        .setUrl(PUBLIC + "/pb").build(), ErrorReason.ERROR_REASON_PARTNER_NOT_FOUND, null);
    // An update is held to the same rules.
    deliveries().createDestination(postback(account, PUBLIC + "/pb").setDestinationId("ok").build());
    assertThatThrownBy(() -> deliveries().updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(account)
            .setDestinationId("ok").setUrl("http://192.168.1.1/pb").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_ADDRESS_FORBIDDEN));
    assertThat(get(account, "ok").getUrl()).isEqualTo(PUBLIC + "/pb");
    assertThatThrownBy(() -> deliveries().updateDestination(UpdateDestinationRequest.newBuilder().setAccountId(account)
            .setDestinationId("missing").setPaused(true).build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND));
  }

  private static void refused(CreateDestinationRequest request, ErrorReason reason, String field) {
    assertThatThrownBy(() -> deliveries().createDestination(request))
        .as(request.toString())
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(reason))
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode()).isNotIn(Status.Code.INTERNAL, Status.Code.UNKNOWN))
        .satisfies(e -> {
          if (field != null) {
            assertThat(metadataOf(e)).containsEntry("field", field);
          }
        });
  }

  @Test
  void aWebhookSecretIsShownOnlyByCreateAndRotateAndBothSignDuringTheGracePeriod() {
    String account = running.newAccount().getAccount().getAccountId();
    CreateDestinationResponse created = deliveries().createDestination(CreateDestinationRequest.newBuilder()
        .setAccountId(account).setDestinationId("hook").setKind(DestinationKind.DESTINATION_KIND_WEBHOOK)
        .setUrl(PUBLIC + "/kcid").build());
    String first = created.getSigningSecret();
    assertThat(first).startsWith("whsec_");
    assertThat(created.getDestination().hasSecretRotateTime()).isTrue();
    byte[] secretBytes = first.substring("whsec_".length()).getBytes(StandardCharsets.UTF_8);
    assertThat(new String(deliveries().getDestination(GetDestinationRequest.newBuilder().setAccountId(account)
        .setDestinationId("hook").build()).toByteArray(), StandardCharsets.ISO_8859_1))
        .doesNotContain(first).doesNotContain(new String(secretBytes, StandardCharsets.ISO_8859_1));
    assertThat(deliveries().listDestinations(ListDestinationsRequest.newBuilder().setAccountId(account).build()).toString())
        .doesNotContain(first);

    CachedDestinationDirectory now = directory(Clock.systemUTC(), Duration.ZERO);
    assertThat(forAccount(now, account)).singleElement()
        .satisfies(a -> assertThat(a.signingSecrets()).containsExactly(first));

    RotateDestinationSecretResponse rotated = deliveries().rotateDestinationSecret(RotateDestinationSecretRequest.newBuilder()
        .setAccountId(account).setDestinationId("hook")
        .setGracePeriod(com.google.protobuf.Duration.newBuilder().setSeconds(600)).build());
    String second = rotated.getSigningSecret();
    assertThat(second).startsWith("whsec_").isNotEqualTo(first);
    assertThat(rotated.hasPreviousSecretExpireTime()).isTrue();
    assertThat(forAccount(now, account)).singleElement()
        .satisfies(a -> assertThat(a.signingSecrets()).as("current first, the previous one in its grace")
            .containsExactly(second, first));
    // After the grace period only the new secret signs (the directory's clock is past the expiry).
    CachedDestinationDirectory later = directory(Clock.offset(Clock.systemUTC(), Duration.ofSeconds(601)), Duration.ZERO);
    assertThat(forAccount(later, account)).singleElement()
        .satisfies(a -> assertThat(a.signingSecrets()).containsExactly(second));

    // A grace period of zero drops the previous secret at once.
    String third = deliveries().rotateDestinationSecret(RotateDestinationSecretRequest.newBuilder().setAccountId(account)
        .setDestinationId("hook").setGracePeriod(com.google.protobuf.Duration.getDefaultInstance()).build()).getSigningSecret();
    assertThat(forAccount(now, account)).singleElement()
        .satisfies(a -> assertThat(a.signingSecrets()).containsExactly(third));

    assertThatThrownBy(() -> deliveries().rotateDestinationSecret(RotateDestinationSecretRequest.newBuilder()
            .setAccountId(account).setDestinationId("hook")
            .setGracePeriod(com.google.protobuf.Duration.newBuilder().setSeconds(31L * 86_400)).build()))
        .satisfies(e -> assertThat(metadataOf(e)).containsEntry("field", "grace_period"));
    deliveries().createDestination(postback(account, PUBLIC + "/pb").setDestinationId("pb").build());
    assertThatThrownBy(() -> deliveries().rotateDestinationSecret(RotateDestinationSecretRequest.newBuilder()
            .setAccountId(account).setDestinationId("pb").build()))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
  }

  @Test
  void aPartnersDestinationsApplyToEveryAccountOfThePartner() {
    String partner = running.newPartner().getPartnerId();
    String first = running.newAccount(partner).getAccount().getAccountId();
    String second = running.newAccount(partner).getAccount().getAccountId();
    String elsewhere = running.newAccount().getAccount().getAccountId();
    String secret = deliveries().createDestination(CreateDestinationRequest.newBuilder().setPartnerId(partner)
        .setDestinationId("network").setKind(DestinationKind.DESTINATION_KIND_WEBHOOK).setUrl(PUBLIC + "/hook")
        .addGoalKeys("purchase").build()).getSigningSecret();
    deliveries().createDestination(postback(first, PUBLIC + "/pb?txid={txid}").setDestinationId("own").build());

    CachedDestinationDirectory directory = directory(Clock.systemUTC(), Duration.ZERO);
    assertThat(forAccount(directory, first)).extracting(a -> a.destination().getDestinationId())
        .as("its own first, then its partner's").containsExactly("own", "network");
    assertThat(forAccount(directory, second)).singleElement().satisfies(a -> {
      assertThat(a.destination().getPartnerId()).isEqualTo(partner);
      assertThat(a.signingSecrets()).containsExactly(secret);
    });
    assertThat(forAccount(directory, elsewhere)).isEmpty();
    assertThat(directory.hasDestinations(second).toCompletableFuture().join()).isTrue();
    assertThat(directory.hasDestinations(elsewhere).toCompletableFuture().join()).isFalse();
    assertThat(forAccount(directory, "no-such-account")).as("a deleted account has none").isEmpty();

    assertThat(deliveries().listDestinations(ListDestinationsRequest.newBuilder().setAccountId(second).build())
        .getDestinationsList()).extracting(Destination::getPartnerId).containsExactly(partner);
    assertThat(deliveries().listDestinations(ListDestinationsRequest.newBuilder().setPartnerId(partner).build())
        .getDestinationsList()).extracting(Destination::getDestinationId).containsExactly("network");
    // Addressed by its owner: an account does not reach its partner's destination by its own id.
    assertThatThrownBy(() -> get(second, "network"))
        .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_DESTINATION_NOT_FOUND));
  }

  @Test
  void aWarmDirectoryAnswersAtOnceAndSeesAChangeOnceInvalidated() {
    String account = running.newAccount().getAccount().getAccountId();
    CachedDestinationDirectory cached = directory(Clock.systemUTC(), Duration.ofHours(1));
    assertThat(cached.hasDestinations(account).toCompletableFuture().join()).isFalse();
    deliveries().createDestination(postback(account, PUBLIC + "/pb").setDestinationId("late").build());
    var warm = cached.hasDestinations(account).toCompletableFuture();
    assertThat(warm).as("cached: completes without a round trip").isCompleted();
    assertThat(warm.join()).as("another server's change waits for the TTL").isFalse();
    cached.invalidate(DestinationOwner.account(account));
    assertThat(cached.hasDestinations(account).toCompletableFuture().join()).isTrue();
  }
}
