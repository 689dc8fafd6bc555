package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cross-language vectors (core/src/test/resources/postback-signing-vectors.json) through this client's API. */
class PostbackSignaturesTest {
  /** Read from the source tree (surefire runs in the module directory) so there is one copy. */
  static final Path VECTORS = Path.of("../../core/src/test/resources/postback-signing-vectors.json");

  record Vector(String name, String secret, long timestamp, String method, String body,
      Map<String, String> query, String canonical_query, String signature, String header) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Vector> vectors() throws IOException {
    return new ObjectMapper().readValue(Files.readString(VECTORS), new TypeReference<List<Vector>>() {});
  }

  @Test
  void theVectorFileHasBothMethods() throws IOException {
    assertThat(vectors()).hasSizeGreaterThanOrEqualTo(6);
    assertThat(vectors().stream().map(Vector::method).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("GET", "POST");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void reproducesTheVectorByteForByte(Vector v) {
    byte[] payload;
    if (v.method().equals("GET")) {
      payload = PostbackSignatures.queryPayload(v.query());
      assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo(v.canonical_query());
    } else {
      assertThat(v.method()).isEqualTo("POST");
      assertThat(v.body()).isNotNull();
      payload = v.body().getBytes(StandardCharsets.UTF_8);
    }
    assertThat(PostbackSignatures.sign(v.secret(), v.timestamp(), payload)).isEqualTo(v.signature());
    assertThat(PostbackSignatures.header(v.secret(), v.timestamp(), payload)).isEqualTo(v.header());
    assertThat(PostbackSignatures.verify(v.secret(), v.timestamp(), payload, v.signature())).isTrue();
  }

  @Test
  void oneChangedBodyByteChangesTheSignature() {
    byte[] body = "{\"kcid\":\"22t9v000580g28t5cy4tqkffxbnpwabw\",\"value\":\"49.90\"}"
        .getBytes(StandardCharsets.UTF_8);
    String signature = PostbackSignatures.sign("pbs_secret", 1764000000L, body);
    for (int i = 0; i < body.length; i++) {
      byte[] changed = body.clone();
      changed[i] ^= 0x01;
      assertThat(PostbackSignatures.sign("pbs_secret", 1764000000L, changed)).as("byte %d", i).isNotEqualTo(signature);
      assertThat(PostbackSignatures.verify("pbs_secret", 1764000000L, changed, signature)).isFalse();
    }
    assertThat(PostbackSignatures.sign("pbs_secret", 1764000001L, body)).isNotEqualTo(signature);
  }

  @Test
  void theHeaderDefaultsToNow() {
    long before = Instant.now().getEpochSecond();
    String header = PostbackSignatures.header("pbs_secret", new byte[] {'x'});
    Matcher m = Pattern.compile("t=([0-9]+),v1=[A-Za-z0-9_-]{43}").matcher(header);
    assertThat(m.matches()).as(header).isTrue();
    long t = Long.parseLong(m.group(1));
    assertThat(t).isBetween(before, Instant.now().getEpochSecond());
    assertThat(header).isEqualTo(PostbackSignatures.header("pbs_secret", t, new byte[] {'x'}));
    assertThat(PostbackSignatures.HEADER).isEqualTo("X-Kcid-Signature");
  }
}
