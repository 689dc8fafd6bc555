package io.kcid.core.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.postback.PostbackSigner;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Fuzzes the signature code: click-URL canonicalisation, signing and verification, and the
 * postback signature header. Documented outcomes only: {@code canonicalQuery} may refuse an empty
 * name or an unpaired surrogate with IllegalArgumentException; verification answers true or false
 * and never throws; a signature verifies exactly its own input.
 */
class SignatureFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void clickSignaturesVerifyOnlyWhatWasSigned(FuzzedDataProvider data) {
    String secret = data.consumeString(40);
    Map<String, String> params = new LinkedHashMap<>();
    int count = data.consumeInt(0, 8);
    for (int i = 0; i < count; i++) {
      params.put(data.consumeString(12), data.consumeString(40));
    }
    String forged = data.consumeRemainingAsString();
    String canonical;
    try {
      canonical = ClickUrlSigner.canonicalQuery(params);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).containsAnyOf("name must not be empty", "unpaired surrogate");
      return;
    }
    assertThat(canonical).matches("[A-Za-z0-9%=&._~-]*");
    if (secret.isEmpty()) {
      assertThat(ClickUrlSigner.verify(secret, canonical, forged)).isFalse();
      return; // signing with no secret is refused (IllegalArgumentException), by contract
    }
    String signature = ClickUrlSigner.sign(secret, canonical);
    assertThat(ClickUrlSigner.verify(secret, canonical, signature)).isTrue();
    assertThat(ClickUrlSigner.verify(secret, canonical + "&x=1", signature)).isFalse();
    boolean forgedVerifies = ClickUrlSigner.verify(secret, canonical, forged);
    assertThat(forgedVerifies).isEqualTo(forged.equals(signature));
    assertThat(ClickUrlSigner.verify(secret, canonical, null)).isFalse();
  }

  @FuzzTest(maxDuration = "10s")
  void postbackSignatureHeadersParseOrAreRefused(FuzzedDataProvider data) {
    String secret = data.consumeString(40);
    long timestamp = data.consumeLong(0, 999_999_999_999L);
    byte[] payload = data.consumeBytes(200);
    String header = data.consumeRemainingAsString();

    Optional<PostbackSigner.Header> parsed = PostbackSigner.parseHeader(header);
    parsed.ifPresent(h -> {
      assertThat(h.timestamp()).isNotNegative();
      assertThat(h.signature()).isNotEmpty();
      boolean valid = PostbackSigner.verify(secret, h.timestamp(), payload, h.signature());
      assertThat(valid).isEqualTo(!secret.isEmpty() && h.signature().equals(PostbackSigner.sign(secret, h.timestamp(), payload)));
    });
    if (secret.isEmpty()) {
      return; // signing with no secret is refused (IllegalArgumentException), by contract
    }
    String genuine = PostbackSigner.header(secret, timestamp, payload);
    PostbackSigner.Header roundTrip = PostbackSigner.parseHeader(genuine).orElseThrow();
    assertThat(roundTrip.timestamp()).isEqualTo(timestamp);
    assertThat(PostbackSigner.verify(secret, timestamp, payload, roundTrip.signature())).isTrue();
    byte[] other = (new String(payload, StandardCharsets.ISO_8859_1) + "x").getBytes(StandardCharsets.ISO_8859_1);
    assertThat(PostbackSigner.verify(secret, timestamp, other, roundTrip.signature())).isFalse();
  }
}
