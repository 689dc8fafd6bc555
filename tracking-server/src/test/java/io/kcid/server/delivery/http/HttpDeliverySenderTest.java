package io.kcid.server.delivery.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.AttemptResult.Outcome;
import io.kcid.server.delivery.OutboundEvent;
import io.kcid.server.delivery.OutboundMessage;
import io.kcid.server.delivery.WebhookSignature;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP sender against real receivers on loopback ports: every way an attempt can end. */
class HttpDeliverySenderTest {
  private static final Instant NOW = Instant.parse("2026-12-04T01:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(1500);

  private LocalReceiver receiver;
  private HttpDeliverySender allowed;
  private HttpDeliverySender guarded;

  @BeforeEach
  void start() throws Exception {
    receiver = new LocalReceiver();
    allowed = new HttpDeliverySender(SenderFixtures.config(List.of("127.0.0.1/32"), REQUEST_TIMEOUT), CLOCK, null, null);
    guarded = new HttpDeliverySender(SenderFixtures.config(List.of(), REQUEST_TIMEOUT), CLOCK, null, null);
  }

  @AfterEach
  void stop() throws Exception {
    allowed.close();
    guarded.close();
    receiver.close();
  }

  @Test
  void twoHundredIsDelivered() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/ok")));
    assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(r.attempt().getStatusCode()).isEqualTo(200);
    assertThat(r.attempt().getResponseExcerpt()).isEqualTo("ok");
    assertThat(r.attempt().getError()).isEmpty();
    assertThat(r.attempt().getAttemptTime().getSeconds()).isEqualTo(NOW.getEpochSecond());
    assertThat(r.attempt().hasLatency()).isTrue();
    assertThat(receiver.seenOn("/ok")).isEqualTo(1);
    LocalReceiver.Seen seen = receiver.seen().get(0);
    assertThat(seen.method()).isEqualTo("GET");
    assertThat(seen.header("User-Agent")).startsWith("kcid/");
  }

  @Test
  void serverErrorsAndTimeoutsAndThrottlingRetry() throws Exception {
    for (int code : new int[] {500, 502, 503, 408, 429}) {
      AttemptResult r = send(allowed, postback(receiver.url("/status/" + code)));
      assertThat(r.outcome()).as("HTTP %d", code).isEqualTo(Outcome.RETRY);
      assertThat(r.attempt().getStatusCode()).isEqualTo(code);
      assertThat(r.attempt().getError()).isEqualTo("HTTP " + code);
      assertThat(r.attempt().getResponseExcerpt()).isEqualTo("status body");
    }
  }

  @Test
  void otherClientErrorsArePermanent() throws Exception {
    for (int code : new int[] {400, 401, 403, 404, 410, 422}) {
      AttemptResult r = send(allowed, postback(receiver.url("/status/" + code)));
      assertThat(r.outcome()).as("HTTP %d", code).isEqualTo(Outcome.PERMANENT);
      assertThat(r.attempt().getStatusCode()).isEqualTo(code);
    }
  }

  @Test
  void retryAfterInSecondsIsKept() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/retry-after-seconds")));
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getStatusCode()).isEqualTo(429);
    assertThat(r.retryAfter()).contains(Duration.ofSeconds(120));
  }

  @Test
  void retryAfterAsAnHttpDateIsRelativeToTheAttempt() throws Exception {
    String at = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
    AttemptResult r = send(allowed, postback(receiver.url("/retry-after-date?at=" + at.replace(' ', '+'))));
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getStatusCode()).isEqualTo(503);
    assertThat(r.retryAfter()).contains(Duration.ofSeconds(90));
  }

  @Test
  void aHangingReceiverTimesOut() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/hang")));
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getStatusCode()).isZero();
    assertThat(r.attempt().getError()).startsWith("timeout");
    assertThat(Duration.ofSeconds(r.attempt().getLatency().getSeconds(), r.attempt().getLatency().getNanos()))
        .isGreaterThanOrEqualTo(REQUEST_TIMEOUT.minusMillis(50));
  }

  @Test
  void hangingReceiversHoldNoThreadAnotherDestinationNeeds() throws Exception {
    try (HttpDeliverySender sender = new HttpDeliverySender(SenderFixtures.config(List.of("127.0.0.1/32"), Duration.ofSeconds(5)), CLOCK, null, null)) {
      // Far more hanging requests than the sender has event-loop threads (2).
      List<CompletableFuture<AttemptResult>> hanging = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        hanging.add(sender.send(postback(receiver.url("/hang"))).toCompletableFuture());
      }
      AttemptResult ok = send(sender, postback(receiver.url("/ok")));
      assertThat(ok.outcome()).isEqualTo(Outcome.DELIVERED);
      assertThat(hanging).noneMatch(CompletableFuture::isDone);
      for (var f : hanging) {
        assertThat(f.get(30, TimeUnit.SECONDS).outcome()).isEqualTo(Outcome.RETRY);
      }
    }
  }

  @Test
  void aSlowAnswerWithinTheTimeoutIsDelivered() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/slow")));
    assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(r.attempt().getResponseExcerpt()).isEqualTo("slow but fine");
  }

  @Test
  void aResetConnectionRetries() throws Exception {
    AttemptResult r = send(allowed, postback("http://127.0.0.1:" + receiver.resetPort() + "/pb"));
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getStatusCode()).isZero();
    assertThat(r.attempt().getError()).isNotEmpty();
  }

  @Test
  void aRefusedConnectionRetries() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    AttemptResult r = send(allowed, postback("http://127.0.0.1:" + closedPort + "/pb"));
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.attempt().getError()).startsWith("connect failed");
  }

  @Test
  void aClosedSenderAnswersRetryInsteadOfThrowing() throws Exception {
    HttpDeliverySender closed = new HttpDeliverySender(SenderFixtures.config(List.of("127.0.0.1/32"), REQUEST_TIMEOUT), CLOCK, null, null);
    closed.close();
    AttemptResult r = send(closed, postback(receiver.url("/ok")));
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(receiver.seen()).isEmpty();
  }

  @Test
  void aRedirectIsNotFollowed() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/redirect")));
    assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(r.attempt().getStatusCode()).isEqualTo(302);
    assertThat(r.attempt().getError()).contains("redirect not followed");
    assertThat(receiver.seenOn("/redirect-target")).isZero();
  }

  @Test
  void aHugeBodyIsReadOnlyUpToTheBound() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/huge")));
    assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);
    assertThat(r.attempt().getStatusCode()).isEqualTo(200);
    assertThat(r.attempt().getResponseExcerpt()).hasSize(256).startsWith("0123456789abcdef ");
  }

  @Test
  void theExcerptRedactsSecretLikeValues() throws Exception {
    AttemptResult r = send(allowed, postback(receiver.url("/leaky")));
    String excerpt = r.attempt().getResponseExcerpt();
    assertThat(excerpt).contains("[redacted]")
        .doesNotContain("abc.def.ghi", "hunter2", "c2VjcmV0c2VjcmV0c2VjcmV0", "k-123",
            "0123456789abcdefABCDEF0123456789abcdef");
  }

  @Test
  void loopbackWithoutTheAllowlistIsForbiddenAndNeverConnected() throws Exception {
    AttemptResult r = send(guarded, postback(receiver.url("/ok")));
    assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(r.attempt().getStatusCode()).isZero();
    assertThat(r.attempt().getError()).contains("forbidden").contains("127.0.0.1")
        .contains("KCID_DELIVERY_ALLOWED_NETWORKS");
    assertThat(receiver.seen()).isEmpty();
  }

  @Test
  void aHostNameResolvingToLoopbackIsForbidden() throws Exception {
    AttemptResult r = send(guarded, postback("http://localhost:" + receiver.port() + "/ok"));
    assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT);
    assertThat(r.attempt().getError()).contains("forbidden").contains("localhost");
    assertThat(receiver.seen()).isEmpty();
  }

  @Test
  void postbackMacrosAreRenderedAndEncodedPerPosition() throws Exception {
    String tricky = "a&b=c d/ü?#";
    String url = receiver.url("/pb/{s1}?cid={s1}&payout={value}&cur={currency}&txid={txid}&status={status}"
        + "&goal={goal}&ev={event}&dl={delivery_id}&ct={click_time}&vt={conversion_time}&acc={account}"
        + "&pt={partner}&k={kcid}&camp={campaign}&conv={conversion_id}");
    AttemptResult r = send(allowed, message(destination(DestinationKind.DESTINATION_KIND_POSTBACK, url), tricky, List.of()));
    assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);
    LocalReceiver.Seen seen = receiver.seen().get(0);
    assertThat(URLDecoder.decode(seen.path(), StandardCharsets.UTF_8)).isEqualTo("/pb/" + tricky);
    Map<String, String> q = query(seen.rawQuery());
    assertThat(q).containsOnlyKeys(
        "cid", "payout", "cur", "txid", "status", "goal", "ev", "dl", "ct", "vt", "acc", "pt", "k", "camp", "conv");
    assertThat(q).containsEntry("cid", tricky)
        .containsEntry("payout", "12.50") // the stored decimal, scale kept
        .containsEntry("cur", "USD")
        .containsEntry("txid", "order 7&x=1")
        .containsEntry("status", "1") // through the status map
        .containsEntry("goal", "purchase")
        .containsEntry("ev", "approved")
        .containsEntry("dl", "dlv_test")
        .containsEntry("ct", Long.toString(Instant.parse("2026-12-04T01:00:00Z").getEpochSecond()))
        .containsEntry("vt", Long.toString(Instant.parse("2026-12-04T02:00:00Z").getEpochSecond()))
        .containsEntry("acc", "acme")
        .containsEntry("pt", "net1")
        .containsEntry("k", "k".repeat(32))
        .containsEntry("camp", "camp-9")
        .containsEntry("conv", "k".repeat(32) + "-1");
  }

  @Test
  void webhooksArePostedAsSignedJson() throws Exception {
    String current = WebhookSignature.newSecret();
    String previous = WebhookSignature.newSecret();
    OutboundMessage m = message(
        destination(DestinationKind.DESTINATION_KIND_WEBHOOK, receiver.url("/hook")), "s1 value", List.of(current, previous));
    AttemptResult r = send(allowed, m);
    assertThat(r.outcome()).isEqualTo(Outcome.DELIVERED);

    LocalReceiver.Seen seen = receiver.seen().get(0);
    assertThat(seen.method()).isEqualTo("POST");
    assertThat(seen.header("Content-Type")).isEqualTo("application/json");
    assertThat(seen.header("User-Agent")).startsWith("kcid/");
    assertThat(seen.header("webhook-id")).isEqualTo("dlv_test");
    assertThat(seen.header("webhook-timestamp")).isEqualTo(Long.toString(NOW.getEpochSecond()));
    String[] signatures = seen.header("webhook-signature").split(" ");
    assertThat(signatures).hasSize(2);
    assertThat(signatures[0]).isEqualTo("v1," + hmac(current, "dlv_test", NOW.getEpochSecond(), seen.body()));
    assertThat(signatures[1]).isEqualTo("v1," + hmac(previous, "dlv_test", NOW.getEpochSecond(), seen.body()));

    JsonObject body = JsonParser.parseString(seen.bodyText()).getAsJsonObject();
    assertThat(body.get("type").getAsString()).isEqualTo("conversion.approved");
    assertThat(body.get("timestamp").getAsString()).isEqualTo("2026-12-04T00:30:00Z");
    JsonObject data = body.getAsJsonObject("data");
    assertThat(data.get("conversion_id").getAsString()).isEqualTo("k".repeat(32) + "-1");
    assertThat(data.get("kcid").getAsString()).isEqualTo("k".repeat(32));
    assertThat(data.get("account_id").getAsString()).isEqualTo("acme");
    assertThat(data.get("partner_id").getAsString()).isEqualTo("net1");
    assertThat(data.get("goal").getAsString()).isEqualTo("purchase");
    assertThat(data.get("status").getAsString()).isEqualTo("approved");
    assertThat(data.get("status_label").getAsString()).isEqualTo("1");
    assertThat(data.getAsJsonObject("value").get("amount").getAsString()).isEqualTo("12.50");
    assertThat(data.getAsJsonObject("value").get("currency").getAsString()).isEqualTo("USD");
    assertThat(data.get("transaction_id").getAsString()).isEqualTo("order 7&x=1");
    assertThat(data.get("event_time").getAsString()).isEqualTo("2026-12-04T02:00:00Z");
    assertThat(data.get("record_time").getAsString()).isEqualTo("2026-12-04T02:00:01Z");
    assertThat(data.get("click_time").getAsString()).isEqualTo("2026-12-04T01:00:00Z");
    assertThat(data.get("test").getAsBoolean()).isFalse();
    assertThat(data.getAsJsonObject("click").get("campaign").getAsString()).isEqualTo("camp-9");
    assertThat(data.getAsJsonObject("click").getAsJsonObject("sub_ids").get("s1").getAsString()).isEqualTo("s1 value");
    assertThat(data.get("delivery_id").getAsString()).isEqualTo("dlv_test");
  }

  private static AttemptResult send(HttpDeliverySender sender, OutboundMessage message) throws Exception {
    return sender.send(message).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static OutboundMessage postback(String url) {
    return message(destination(DestinationKind.DESTINATION_KIND_POSTBACK, url), "s1", List.of());
  }

  private static Destination destination(DestinationKind kind, String url) {
    return Destination.newBuilder()
        .setDestinationId("d1").setAccountId("acme").setKind(kind).setUrl(url)
        .putStatusMap("approved", "1").putStatusMap("rejected", "2")
        .build();
  }

  private static OutboundMessage message(Destination destination, String s1, List<String> secrets) {
    String kcid = "k".repeat(32);
    Click click = Click.newBuilder()
        .setKcid(kcid).setAccountId("acme").setCampaignId("camp-9").putSubIds("s1", s1)
        .setClickTime(ts(Instant.parse("2026-12-04T01:00:00Z")))
        .build();
    Conversion conversion = Conversion.newBuilder()
        .setConversionId(kcid + "-1").setKcid(kcid).setAccountId("acme").setGoalKey("purchase")
        .setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED)
        .setValue(Money.newBuilder().setAmount("12.50").setCurrencyCode("USD"))
        .setTransactionId("order 7&x=1")
        .setEventTime(ts(Instant.parse("2026-12-04T02:00:00Z")))
        .setRecordTime(ts(Instant.parse("2026-12-04T02:00:01Z")))
        .build();
    OutboundEvent event = new OutboundEvent(
        "acme", "net1", DeliveryTrigger.DELIVERY_TRIGGER_APPROVED, conversion, click,
        Instant.parse("2026-12-04T00:30:00Z"));
    return new OutboundMessage("dlv_test", destination, secrets, event);
  }

  private static Timestamp ts(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  private static Map<String, String> query(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    List<String> pairs = new ArrayList<>(List.of(rawQuery.split("&")));
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
      assertThat(out).as("parameter %s appears once", key).doesNotContainKey(key);
      out.put(key, URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
    }
    return out;
  }

  /** HMAC-SHA256 computed independently of WebhookSignature, as a receiver would. */
  private static String hmac(String secret, String id, long timestamp, byte[] body) throws Exception {
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] signed = (id + "." + timestamp + "." + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
    return Base64.getEncoder().encodeToString(mac.doFinal(signed));
  }

}
