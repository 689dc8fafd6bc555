package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kcid.client.WebhookVerificationException.Reason;
import io.kcid.client.example.WebhookReceiver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The webhook verifier against core/src/test/resources/webhook-signature-vectors.json: the
 * Standard Webhooks published vector (standard-webhooks/standard-webhooks,
 * libraries/go/webhook_test.go TestWebhookSign and libraries/javascript/src/webhook.test.ts "sign
 * function works") and one the kcid server's signer (WebhookSignature.header) produced during a
 * rotation (tracking-server's WebhookSignatureVectorsTest keeps it true); plus tampered bodies,
 * wrong secrets, stale and future timestamps, missing headers and signature entries.
 */
class WebhookVerifierTest {
  /** Read from the source tree (surefire runs in the module directory) so there is one copy. */
  static final Path VECTORS = Path.of("../../core/src/test/resources/webhook-signature-vectors.json");
  /** The published tests' wrong signature. */
  private static final String INVALID = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

  record Vector(String name, String source, List<String> secrets, String id, long timestamp, String body,
      String signature) {
    @Override
    public String toString() {
      return name;
    }

    byte[] bytes() {
      return body.getBytes(StandardCharsets.UTF_8);
    }

    Map<String, String> headers() {
      Map<String, String> h = new HashMap<>();
      h.put("Webhook-Id", id);
      h.put("webhook-timestamp", Long.toString(timestamp));
      h.put("WEBHOOK-SIGNATURE", signature);
      return h;
    }

    WebhookVerifier verifier(List<String> secrets, long offsetSeconds) {
      return WebhookVerifier.of(secrets).withClock(Clock.fixed(Instant.ofEpochSecond(timestamp + offsetSeconds), ZoneOffset.UTC));
    }
  }

  static List<Vector> vectors() throws IOException {
    return new ObjectMapper().readValue(Files.readString(VECTORS), new TypeReference<List<Vector>>() {});
  }

  private static void refused(ThrowingCallable call, Reason reason) {
    assertThatThrownBy(call).isInstanceOfSatisfying(WebhookVerificationException.class,
        e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void theVectorFileHasThePublishedAndTheServersRotationVectors() throws IOException {
    assertThat(vectors()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(vectors()).extracting(Vector::signature).contains("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    assertThat(vectors()).anySatisfy(v -> assertThat(v.secrets()).hasSize(2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void verifiesWithEverySecretAndEveryFormOfHeaders(Vector v) throws Exception {
    v.verifier(v.secrets(), 10).verify(v.headers(), v.bytes());
    v.verifier(v.secrets(), 10).verify(v.id(), Long.toString(v.timestamp()), v.signature(), v.bytes());
    Map<String, List<String>> jdkStyle = Map.of("Webhook-id", List.of(v.id()),
        "Webhook-timestamp", List.of(Long.toString(v.timestamp())), "Webhook-signature", List.of(v.signature()));
    v.verifier(v.secrets(), 10).verify(jdkStyle, v.bytes());
    for (String secret : v.secrets()) {
      v.verifier(List.of(secret), 10).verify(v.headers(), v.bytes());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void aTamperedBodyAWrongSecretOrAnotherIdDoNotVerify(Vector v) {
    byte[] tampered = v.bytes();
    tampered[tampered.length - 2] ^= 1;
    refused(() -> v.verifier(v.secrets(), 10).verify(v.headers(), tampered), Reason.NO_MATCHING_SIGNATURE);
    refused(() -> v.verifier(List.of("whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldA=="), 10).verify(v.headers(), v.bytes()),
        Reason.NO_MATCHING_SIGNATURE);
    Map<String, String> otherId = v.headers();
    otherId.put("Webhook-Id", v.id() + "x");
    refused(() -> v.verifier(v.secrets(), 10).verify(otherId, v.bytes()), Reason.NO_MATCHING_SIGNATURE);
  }

  @Test
  void theTimestampMayBeFiveMinutesOffEitherWayNotMore() throws Exception {
    Vector v = vectors().get(0);
    v.verifier(v.secrets(), 300).verify(v.headers(), v.bytes());
    v.verifier(v.secrets(), -300).verify(v.headers(), v.bytes());
    refused(() -> v.verifier(v.secrets(), 301).verify(v.headers(), v.bytes()), Reason.TIMESTAMP_OUT_OF_TOLERANCE);
    refused(() -> v.verifier(v.secrets(), -301).verify(v.headers(), v.bytes()), Reason.TIMESTAMP_OUT_OF_TOLERANCE);
    v.verifier(v.secrets(), 3600).withTolerance(Duration.ofHours(2)).verify(v.headers(), v.bytes());
    // With the real clock the published vector (2021) is stale.
    refused(() -> WebhookVerifier.of(v.secrets()).verify(v.headers(), v.bytes()), Reason.TIMESTAMP_OUT_OF_TOLERANCE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"webhook-id", "webhook-timestamp", "webhook-signature"})
  void aMissingHeaderIsNamed(String name) throws Exception {
    Vector v = vectors().get(0);
    Map<String, String> headers = v.headers();
    headers.keySet().removeIf(k -> k.equalsIgnoreCase(name));
    assertThatThrownBy(() -> v.verifier(v.secrets(), 10).verify(headers, v.bytes()))
        .isInstanceOfSatisfying(WebhookVerificationException.class, e -> {
          assertThat(e.reason()).isEqualTo(Reason.MISSING_HEADER);
          assertThat(e.header()).contains(name);
        });
  }

  @Test
  void theValidV1EntryAmongOthersVerifiesOtherVersionsAndBrokenEntriesDoNot() throws Exception {
    Vector v = vectors().get(0);
    String sig = v.signature().substring("v1,".length());
    Map<String, String> headers = v.headers();
    headers.put("WEBHOOK-SIGNATURE", String.join(" ", INVALID, "v2," + sig, v.signature(), INVALID));
    v.verifier(v.secrets(), 10).verify(headers, v.bytes());
    for (String bad : List.of("v2," + sig, v.signature().substring(0, 8), "v1,", "v1,not base64!", sig)) {
      headers.put("WEBHOOK-SIGNATURE", bad);
      refused(() -> v.verifier(v.secrets(), 10).verify(headers, v.bytes()), Reason.NO_MATCHING_SIGNATURE);
    }
    Map<String, String> badTime = v.headers();
    badTime.put("webhook-timestamp", "hello");
    refused(() -> v.verifier(v.secrets(), 10).verify(badTime, v.bytes()), Reason.INVALID_TIMESTAMP);
  }

  @Test
  void secretsAreCheckedAndNeverRepeated() {
    assertThatThrownBy(() -> WebhookVerifier.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    for (String secret : List.of("", "whsec_", "whsec_not*base64")) {
      assertThatThrownBy(() -> WebhookVerifier.of(secret)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageNotContaining("not*base64");
    }
    assertThatThrownBy(() -> WebhookVerifier.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").withTolerance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(WebhookVerifier.of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).isNotNull(); // without the prefix
  }

  @Test
  void theReceiverExampleVerifiesParsesAndHandlesEachWebhookIdOnce() throws Exception {
    Vector v = vectors().get(vectors().size() - 1); // the kcid server's rotation vector
    WebhookReceiver receiver = new WebhookReceiver(v.verifier(v.secrets().subList(0, 1), 0));
    WebhookReceiver.Outcome first = receiver.receive(v.headers(), v.bytes());
    assertThat(first.status()).isEqualTo(204);
    assertThat(first.event()).hasValueSatisfying(e -> {
      assertThat(e.get("type").getAsString()).isEqualTo("conversion.approved");
      assertThat(e.getAsJsonObject("data").getAsJsonObject("value").get("amount").getAsString()).isEqualTo("12.50");
    });
    assertThat(receiver.receive(v.headers(), v.bytes())).isEqualTo(new WebhookReceiver.Outcome(204, Optional.empty()));
    byte[] changed = v.body().replace("12.50", "99.50").getBytes(StandardCharsets.UTF_8);
    assertThat(receiver.receive(v.headers(), changed).status()).isEqualTo(401);
  }
}
