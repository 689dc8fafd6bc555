package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** WebhookSignature against the Standard Webhooks specification's published test vector. */
class WebhookSignatureVectorTest {
  // From github.com/standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py,
  // test_sign_function (the same vector is used by the other reference libraries' tests).
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
  private static final long TIMESTAMP = 1614265330L;
  private static final byte[] PAYLOAD = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
  private static final String EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

  @Test
  void signsThePublishedVector() {
    assertThat(WebhookSignature.header(List.of(SECRET), MSG_ID, TIMESTAMP, PAYLOAD)).isEqualTo(EXPECTED);
  }

  @Test
  void theSecretPrefixIsOptional() {
    assertThat(WebhookSignature.sign(SECRET.substring("whsec_".length()), MSG_ID, TIMESTAMP, PAYLOAD))
        .isEqualTo(EXPECTED.substring("v1,".length()));
  }

  @Test
  void twoSecretsGiveTwoSpaceSeparatedSignatures() {
    String other = WebhookSignature.newSecret();
    String header = WebhookSignature.header(List.of(SECRET, other), MSG_ID, TIMESTAMP, PAYLOAD);
    assertThat(header.split(" ")).containsExactly(
        EXPECTED, "v1," + WebhookSignature.sign(other, MSG_ID, TIMESTAMP, PAYLOAD));
  }
}
