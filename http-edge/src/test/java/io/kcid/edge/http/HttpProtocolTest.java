package io.kcid.edge.http;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The HTTP/1.1 framing: routing, limits, malformed requests, keep-alive and pipelining, over raw sockets. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpProtocolTest {
  private final EdgeFixture fixture = new EdgeFixture();

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void unknownPathIs404() {
    assertRejected(fixture.get("/nope"), 404, "ROUTE_NOT_FOUND", "path");
    assertRejected(fixture.get("/c/"), 404, "ROUTE_NOT_FOUND", "path");
    assertRejected(fixture.get("/%63"), 404, "ROUTE_NOT_FOUND", "path");
  }

  @Test
  void headIsNotServed() {
    String response = fixture.raw("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 405 ").containsIgnoringCase("allow: GET");
  }

  @Test
  void overlongRequestLineIs413AndCloses() {
    String response = fixture.raw("GET /postback?kcid=" + "x".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 413 ").contains("\"reason\":\"PAYLOAD_TOO_LARGE\"").contains("connection: close");
  }

  @Test
  void overlongHeadersAre413() {
    String response = fixture.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + "y".repeat(20000) + "\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 413 ").contains("PAYLOAD_TOO_LARGE");
  }

  @Test
  void garbageIs400AndCloses() {
    String response = fixture.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400 ").contains("MALFORMED_REQUEST").contains("connection: close");
  }

  @Test
  void oversizedBodyWithExpectContinueGets413InsteadOf100() {
    String response =
        fixture.raw(
            "POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n"
                + "Content-Length: 100000\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 413 ").doesNotContain("100 Continue").contains("PAYLOAD_TOO_LARGE");
  }

  @Test
  void oversizedKeepAliveBodyIsSkippedAndTheConnectionStaysUsable() {
    String body = "x".repeat(EdgeFixture.MAX_BODY + 10);
    String response =
        fixture.raw(
            "POST /postback HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body
                + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 413 ").contains("HTTP/1.1 200 OK").contains("{\"status\":\"ok\"}");
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnectionInOrder() {
    String response =
        fixture.raw(
            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /postback?token=t HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    Matcher statuses = Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(response);
    StringBuilder seen = new StringBuilder();
    while (statuses.find()) {
      seen.append(statuses.group(1)).append(' ');
    }
    assertThat(seen.toString().trim()).isEqualTo("404 400 200");
  }

  @Test
  void pipelinedBackendCallsAreAnsweredInRequestOrder() {
    fixture.backend.onConversion(
        r -> FakeBackend.Answer.ok(
                io.kcid.proto.tracking.v1.RecordConversionResponse.newBuilder()
                    .setOutcome(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED)
                    .setConversionId(r.getKcid())
                    .build())
            .after(java.time.Duration.ofMillis(r.getKcid().equals("SLOW") ? 200 : 0)));
    try {
      String response =
          fixture.raw(
              "GET /postback?kcid=SLOW&token=t HTTP/1.1\r\nHost: x\r\n\r\n"
                  + "GET /postback?kcid=FAST&token=t HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(response.indexOf("\"SLOW\"")).isPositive().isLessThan(response.indexOf("\"FAST\""));
    } finally {
      fixture.backend.reset();
    }
  }

  @Test
  void http10WithoutKeepAliveIsClosed() {
    String response = fixture.raw("GET /healthz HTTP/1.0\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.0 200 ").contains("{\"status\":\"ok\"}");
  }
}
