package io.kcid.core.click;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClickUrlSignerTest {
  private static final String SECRET = "kcid-demo-click-secret";
  private static final Map<String, String> PARAMS =
      Map.of("a", "acme", "c", "spring-sale", "u", "https://shop.example/landing");

  /** One entry of click-signing-vectors.json, shared with the other languages' signers. */
  record Vector(String name, String secret, Map<String, String> params,
      String canonical_query, String signature, String url) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Vector> vectors() throws IOException {
    try (InputStream in = ClickUrlSignerTest.class.getResourceAsStream("/click-signing-vectors.json")) {
      return new ObjectMapper().readValue(in, new TypeReference<List<Vector>>() {});
    }
  }

  @Test
  void thereAreEnoughVectors() throws IOException {
    assertThat(vectors()).hasSizeGreaterThanOrEqualTo(6);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void matchesTheSharedVector(Vector vector) {
    Map<String, String> params = new HashMap<>(vector.params()); // JSON null values included

    assertThat(ClickUrlSigner.canonicalQuery(params)).isEqualTo(vector.canonical_query());
    assertThat(ClickUrlSigner.sign(vector.secret(), vector.canonical_query()))
        .isEqualTo(vector.signature());
    assertThat(ClickUrlSigner.signedUrl("https://edge.example", params, vector.secret()))
        .isEqualTo(vector.url());
    assertThat(ClickUrlSigner.verify(vector.secret(), vector.canonical_query(), vector.signature()))
        .isTrue();
  }

  @Test
  void canonicalQueryEncodesPerRfc3986() {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("u", "https://x.example/a b?q=1+2&r=~");
    params.put("s1", "é");
    params.put("s2", "");
    params.put("s3", "x\u007f\u0000");
    params.put("s4", "a\u00e9~");
    params.put("sig", "ignored");

    assertThat(ClickUrlSigner.canonicalQuery(params))
        .isEqualTo("s1=%C3%A9&s3=x%7F%00&s4=a%C3%A9~&u=https%3A%2F%2Fx.example%2Fa%20b%3Fq%3D1%2B2%26r%3D~");
  }

  @Test
  void canonicalQueryRefusesUnpairedSurrogatesInsteadOfSigningAReplacement() {
    assertThatThrownBy(() -> ClickUrlSigner.canonicalQuery(Map.of("s1", "\uD800")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void signedUrlDropsTrailingSlashesOfTheEdge() {
    String query = ClickUrlSigner.canonicalQuery(PARAMS);

    assertThat(ClickUrlSigner.signedUrl("https://edge.example//", PARAMS, SECRET))
        .isEqualTo("https://edge.example/c?" + query + "&sig=" + ClickUrlSigner.sign(SECRET, query));
  }

  @Test
  void verifyRejectsOneChangedCharacterOfTheSignature() {
    String query = ClickUrlSigner.canonicalQuery(PARAMS);
    String sig = ClickUrlSigner.sign(SECRET, query);

    for (int i = 0; i < sig.length(); i++) {
      char changed = sig.charAt(i) == 'A' ? 'B' : 'A';
      String tampered = sig.substring(0, i) + changed + sig.substring(i + 1);
      assertThat(ClickUrlSigner.verify(SECRET, query, tampered)).as(tampered).isFalse();
    }
  }

  @Test
  void verifyRejectsAChangedParameterValue() {
    String sig = ClickUrlSigner.sign(SECRET, ClickUrlSigner.canonicalQuery(PARAMS));
    Map<String, String> tampered = new HashMap<>(PARAMS);
    tampered.put("u", "https://evil.example/landing");

    assertThat(ClickUrlSigner.verify(SECRET, ClickUrlSigner.canonicalQuery(tampered), sig)).isFalse();
  }

  @Test
  void verifyRejectsASignatureMadeWithAnotherSecret() {
    String query = ClickUrlSigner.canonicalQuery(PARAMS);

    assertThat(ClickUrlSigner.verify(SECRET, query, ClickUrlSigner.sign("another-secret", query)))
        .isFalse();
  }

  @Test
  void verifyRejectsAPaddedSpellingOfTheRightSignature() {
    String query = ClickUrlSigner.canonicalQuery(PARAMS);

    assertThat(ClickUrlSigner.verify(SECRET, query, ClickUrlSigner.sign(SECRET, query) + "="))
        .isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "!!", "====", "\u0000", "é", "a b"})
  void verifyNeverThrowsOnGarbage(String garbage) {
    assertThat(ClickUrlSigner.verify(SECRET, "a=1", garbage)).isFalse();
  }

  @Test
  void verifyOfNullIsFalse() {
    assertThat(ClickUrlSigner.verify(SECRET, "a=1", null)).isFalse();
  }

  @Test
  void parametersAreTheDocumentedOnes() {
    assertThat(ClickUrlSigner.PARAMETERS).containsExactly("a", "c", "cr", "p",
        "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "u");
  }

  @Test
  void anEmptySecretIsAConfigurationError() {
    assertThatThrownBy(() -> ClickUrlSigner.sign("", "a=1"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
