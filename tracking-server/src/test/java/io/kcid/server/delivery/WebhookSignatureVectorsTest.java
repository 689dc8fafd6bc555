package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.internal.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The server's webhook signer reproduces every vector the client verifiers are tested with
 * (core/src/test/resources/webhook-signature-vectors.json): the Standard Webhooks published vector
 * and kcid's own rotation vector, so what the clients accept is what the server sends.
 */
class WebhookSignatureVectorsTest {
  /** Read from the source tree (surefire runs in the module directory) so there is one copy. */
  private static final Path VECTORS = Path.of("../core/src/test/resources/webhook-signature-vectors.json");

  @Test
  @SuppressWarnings("unchecked")
  void signsEveryVectorByteForByte() throws IOException {
    List<Map<String, Object>> vectors = (List<Map<String, Object>>) JsonParser.parse(Files.readString(VECTORS));
    assertThat(vectors).hasSizeGreaterThanOrEqualTo(3);
    for (Map<String, Object> v : vectors) {
      List<String> secrets = (List<String>) v.get("secrets");
      String header = WebhookSignature.header(secrets, (String) v.get("id"),
          ((Number) v.get("timestamp")).longValue(), ((String) v.get("body")).getBytes(StandardCharsets.UTF_8));
      assertThat(header).as((String) v.get("name")).isEqualTo(v.get("signature"));
    }
  }
}
