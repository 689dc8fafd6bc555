package io.kcid.edge.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;

/** Checks shared by the edge's tests. */
public final class Assertions {
  private Assertions() {}

  /** A JSON rejection with the given status and reason, the standard headers, and a message containing the part. */
  public static void assertRejected(HttpResponse<String> response, int status, String reason, String messagePart) {
    assertThat(response.statusCode()).as("status of %s", response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    Map<String, String> body = JsonMap.parse(response.body());
    assertThat(body).containsEntry("status", "rejected").containsEntry("reason", reason);
    assertThat(body.get("message")).containsIgnoringCase(messagePart);
    if (status == 503 || status == 429) {
      assertThat(response.headers().firstValue("Retry-After")).isPresent();
    }
  }
}
