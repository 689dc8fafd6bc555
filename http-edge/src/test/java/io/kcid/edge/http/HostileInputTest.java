package io.kcid.edge.http;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile input that crashed the edge (500 with a logged bug) is a client mistake, answered 4xx
 * over a real socket; the web view's refusals are pages with the view's security headers.
 */
class HostileInputTest {
  private static final String ADMIN_KEY = "kak_hostile-input-admin-key-0123456789";
  private final EdgeFixture fixture = new EdgeFixture(config -> config.adminKey(ADMIN_KEY));

  @AfterEach
  void close() throws InterruptedException {
    fixture.close();
  }

  @Test
  void deeplyNestedJsonPostbackIs400() {
    String body = "{\"kcid\":\"K1\",\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}";
    assertRejected(fixture.post("/postback", "application/json", body), 400, "INVALID_PARAMETER", "nesting");
    assertThat(fixture.backend.conversions).isEmpty();
  }

  @Test
  void deeplyNestedJsonBatchIs400() {
    assertRejected(fixture.post("/postbacks", "application/json", "[".repeat(1001) + "]".repeat(1001)), 400, "INVALID_PARAMETER", "nesting");
    assertRejected(
        fixture.post("/postbacks", "application/json", "{\"postbacks\":[{\"kcid\":\"K1\",\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}]}"),
        400, "INVALID_PARAMETER", "nesting");
    assertThat(fixture.backend.batches).isEmpty();
  }

  @Test
  void overlongJsonNumberIs400() {
    // Jackson's number-length limit (1000 digits) is another StreamConstraintsException.
    String body = "{\"kcid\":\"K1\",\"value\":" + "1".repeat(1500) + "}";
    assertRejected(fixture.post("/postback", "application/json", body), 400, "INVALID_PARAMETER", "limits");
    assertRejected(fixture.post("/postbacks", "application/json", "[" + body + "]"), 400, "INVALID_PARAMETER", "limits");
  }

  @Test
  void adminSessionPathWithoutLoginIs401WithSecurityHeaders() {
    for (String path : List.of("/admin/session/anything", "/admin/session/anything?next=/admin/kcid/x", "/admin/session/")) {
      HttpResponse<String> response = fixture.adminGet(path);
      assertThat(response.statusCode()).as(path).isEqualTo(401);
      assertSecurityHeaders(response);
      assertThat(response.body()).contains("Sign in").doesNotContain("Exception");
      assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
    }
  }

  @Test
  void loginWithoutKeyFieldIs401() {
    for (String body : List.of("", "other=1", "key", "key=")) {
      HttpResponse<String> response = fixture.adminPost("/admin/login", "application/x-www-form-urlencoded", body);
      assertThat(response.statusCode()).as("body '%s'", body).isEqualTo(401);
      assertSecurityHeaders(response);
      assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
    }
  }

  @Test
  void malformedAdminRequestsArePagesNot500() {
    for (String request : List.of(
        "GET /admin/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /admin/session/x?next=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "POST /admin/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\n"
            + "Connection: close\r\n\r\nkey=%zz")) {
      String answer = fixture.raw(fixture.adminPort(), request);
      assertThat(answer).as(request).startsWith("HTTP/1.1 400 ")
          .containsIgnoringCase("content-security-policy: default-src 'none'")
          .containsIgnoringCase("x-frame-options: DENY")
          .containsIgnoringCase("content-type: text/html")
          .doesNotContain("Exception");
    }
  }

  @Test
  void unsupportedExpectationIsIgnoredAndTheConnectionClosesAsAsked() {
    String answer = fixture.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: 100-contiz\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200 ").doesNotContain("417");
  }

  private static void assertSecurityHeaders(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    assertThat(response.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    assertThat(response.headers().firstValue("Referrer-Policy")).hasValue("same-origin");
    assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
  }

}
