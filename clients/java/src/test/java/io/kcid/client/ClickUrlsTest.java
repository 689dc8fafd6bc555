package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The cross-language vectors (core/src/test/resources/click-signing-vectors.json) through this client's API. */
class ClickUrlsTest {
  /** Read from the source tree (surefire runs in the module directory) so there is one copy. */
  static final Path VECTORS = Path.of("../../core/src/test/resources/click-signing-vectors.json");

  record Vector(String name, String secret, Map<String, String> params,
      String canonical_query, String signature, String url) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Vector> vectors() throws IOException {
    return new ObjectMapper().readValue(Files.readString(VECTORS), new TypeReference<List<Vector>>() {});
  }

  @Test
  void theVectorFileIsThere() throws IOException {
    assertThat(vectors()).hasSizeGreaterThanOrEqualTo(6);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void reproducesTheVectorByteForByte(Vector v) {
    Map<String, String> params = new HashMap<>(v.params()); // null values kept: they are skipped

    assertThat(ClickUrls.canonicalQuery(params)).isEqualTo(v.canonical_query());
    assertThat(ClickUrls.sign(v.secret(), v.canonical_query())).isEqualTo(v.signature());
    assertThat(ClickUrls.signedUrl("https://edge.example", params, v.secret())).isEqualTo(v.url());
    assertThat(KcidClient.signedClickUrl("https://edge.example/", params, v.secret())).isEqualTo(v.url());
    assertThat(ClickUrls.verify(v.secret(), v.canonical_query(), v.signature())).isTrue();
  }
}
