package io.kcid.core.postback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The postback signature scheme, against the shared vectors every client must match. */
class PostbackSignerTest {
  private static JsonNode vectors() throws Exception {
    return new ObjectMapper().readTree(PostbackSignerTest.class.getResourceAsStream("/postback-signing-vectors.json"));
  }

  private static byte[] payload(JsonNode v) {
    if (v.get("method").asText().equals("POST")) {
      return v.get("body").asText().getBytes(StandardCharsets.UTF_8);
    }
    Map<String, String> query = new LinkedHashMap<>();
    v.get("query").fields().forEachRemaining(e -> query.put(e.getKey(), e.getValue().asText()));
    assertThat(new String(PostbackSigner.queryPayload(query), StandardCharsets.UTF_8))
        .isEqualTo(v.get("canonical_query").asText());
    return PostbackSigner.queryPayload(query);
  }

  @Test
  void everyVectorSignsAndVerifies() throws Exception {
    JsonNode all = vectors();
    assertThat(all.size()).isGreaterThanOrEqualTo(6);
    for (JsonNode v : all) {
      String secret = v.get("secret").asText();
      long t = v.get("timestamp").asLong();
      byte[] payload = payload(v);
      assertThat(PostbackSigner.sign(secret, t, payload)).as(v.get("name").asText()).isEqualTo(v.get("signature").asText());
      assertThat(PostbackSigner.header(secret, t, payload)).isEqualTo(v.get("header").asText());
      assertThat(PostbackSigner.verify(secret, t, payload, v.get("signature").asText())).isTrue();
      assertThat(PostbackSigner.parseHeader(v.get("header").asText()))
          .contains(new PostbackSigner.Header(t, v.get("signature").asText()));
    }
  }

  @Test
  void anyChangeFailsVerification() throws Exception {
    JsonNode v = vectors().get(0);
    String secret = v.get("secret").asText();
    long t = v.get("timestamp").asLong();
    byte[] payload = payload(v);
    String sig = v.get("signature").asText();
    byte[] changed = payload.clone();
    changed[changed.length / 2] ^= 1;
    assertThat(PostbackSigner.verify(secret, t, changed, sig)).isFalse();
    assertThat(PostbackSigner.verify(secret, t + 1, payload, sig)).isFalse();
    assertThat(PostbackSigner.verify(secret + "x", t, payload, sig)).isFalse();
    assertThat(PostbackSigner.verify(secret, t, payload, sig + "=")).isFalse();
    assertThat(PostbackSigner.verify(secret, t, payload, "")).isFalse();
  }

  @Test
  void malformedHeadersParseToNothing() {
    for (String bad : new String[] {"", "t=1", "v1=abc", "t=x,v1=abc", "t=1,t=2,v1=a", "t=1,v1=a,v1=b", "garbage", "t=1;v1=a"}) {
      assertThat(PostbackSigner.parseHeader(bad)).as(bad).isEmpty();
    }
    assertThat(PostbackSigner.parseHeader(" v1=abc , t=12 ")).contains(new PostbackSigner.Header(12, "abc"));
  }
}
