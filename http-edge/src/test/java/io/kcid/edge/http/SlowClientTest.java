package io.kcid.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.RawConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Slow-loris defence and obs-fold refusal over raw sockets: a request head must be complete within
 * 1 s of its first byte here, a body within 1 s of its head (short deadlines so the tests are quick;
 * the defaults are 10 s and 30 s).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowClientTest {
  private final EdgeFixture fixture =
      new EdgeFixture(config -> config.headTimeout(Duration.ofSeconds(1)).bodyTimeout(Duration.ofSeconds(1)));

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  private static List<String> headerLines(int count) {
    List<String> lines = new ArrayList<>();
    lines.add("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < count; i++) {
      lines.add("X-Slow-" + i + ": 1\r\n");
    }
    lines.add("\r\n");
    return lines;
  }

  @Test
  void aHeadTrickledLineByLineIsCutOffWith408() {
    try (RawConnection slow = RawConnection.open(fixture.edge.port())) {
      // 20 lines, 300 ms apart: each line keeps the idle timeout from firing; only the head deadline ends it.
      int sent = slow.trickle(headerLines(20), 300);
      assertThat(sent).as("the edge answered before the head was complete").isLessThan(22);
      String response = slow.readResponse();
      assertThat(response).startsWith("HTTP/1.1 408 ").containsIgnoringCase("connection: close")
          .contains("\"reason\":\"REQUEST_TIMEOUT\"").contains("request head");
      assertThat(slow.closedByEdge()).isTrue();
    }
  }

  @Test
  void aBodyTrickledByteByByteIsCutOffWith408() {
    try (RawConnection slow = RawConnection.open(fixture.edge.port())) {
      slow.send("POST /postback?kcid=K&token=t HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          + "Content-Length: 20\r\n\r\n");
      int sent = slow.trickle(List.of("g", "o", "a", "l", "=", "p", "u", "r", "c", "h", "a", "s", "e", "&", "v", "a", "l", "u", "e", "1"), 300);
      assertThat(sent).as("the edge answered before the body was complete").isLessThan(20);
      String response = slow.readResponse();
      assertThat(response).startsWith("HTTP/1.1 408 ").contains("\"reason\":\"REQUEST_TIMEOUT\"").contains("request body");
      assertThat(slow.closedByEdge()).isTrue();
    }
    assertThat(fixture.backend.conversions).as("nothing half-read was forwarded").isEmpty();
  }

  @Test
  void aSlowButTimelyClientIsServed() {
    try (RawConnection slow = RawConnection.open(fixture.edge.port())) {
      // Head in 4 pieces over about 300 ms, body in 3 over about 200 ms: within both deadlines.
      slow.trickle(List.of("POST /postback?kcid=K1&token=t HTTP/1.1\r\n", "Host: x\r\nContent-Type: application/x-www-form-urlencoded\r\n",
          "Content-Length: 13\r\n", "\r\n", "goal=", "purch", "ase"), 100);
      assertThat(slow.readResponse()).startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsNotCutByTheHeadDeadline() throws InterruptedException {
    try (RawConnection connection = RawConnection.open(fixture.edge.port())) {
      connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 ");
      Thread.sleep(1500); // longer than the head deadline: the clock starts at a head's first byte, not at the last answer
      assertThat(connection.answered()).isFalse();
      connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void anObsFoldHeaderLineIsRefused400AndCloses() {
    String response = fixture.raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: first\r\n  second\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400 ").contains("\"reason\":\"MALFORMED_REQUEST\"").containsIgnoringCase("connection: close");
    String tab = fixture.raw("GET /postback?kcid=K&token=t HTTP/1.1\r\nHost: x\r\nX-Kcid-Signature: t=1,\r\n\tv1=abc\r\n\r\n");
    assertThat(tab).startsWith("HTTP/1.1 400 ").contains("MALFORMED_REQUEST");
    assertThat(fixture.raw("GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n")).startsWith("HTTP/1.1 400 ").contains("MALFORMED_REQUEST");
  }

  @Test
  void anObsFoldLineInALaterPipelinedRequestIsFoundAfterABody() {
    String response = fixture.raw(
        "POST /postback?kcid=K&token=t HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 12\r\n\r\n"
            + "goal=x\r\n y=1"
            + "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\tfolded\r\n\r\n");
    // The body's own "\r\n y" is not a header line; the second request's folded line is.
    assertThat(response).startsWith("HTTP/1.1 200 ").contains("HTTP/1.1 400 ").contains("MALFORMED_REQUEST");
    assertThat(response.indexOf("HTTP/1.1 400")).isGreaterThan(response.indexOf("HTTP/1.1 200"));
  }

  @Test
  void spacesInsideValuesAndLeadingBlankLinesAreStillFine() {
    String response = fixture.raw("\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: Mozilla/5.0 (Linux; Android 14)\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 200 ");
  }

  @Test
  void aResponseToHeadHasNoBodySoTheNextResponseParses() {
    String response = fixture.raw("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 405 ").doesNotContain("METHOD_NOT_ALLOWED");
    assertThat(response.substring(response.indexOf("\r\n\r\n") + 4)).startsWith("HTTP/1.1 200 ");
  }

  @Test
  void transferEncodingWithContentLengthIsRefusedAndClosed() {
    // Netty's decoder refuses the pair (a request-smuggling vector); the edge's own codec keeps that.
    String response = fixture.raw("POST /postback?kcid=K&token=t HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n6\r\ngoal=x\r\n0\r\n\r\n"
        + "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 400 ").contains("MALFORMED_REQUEST").containsIgnoringCase("connection: close");
    assertThat(response.split("HTTP/1\\.1 \\d{3} ", -1)).as("one answer, nothing after the close").hasSize(2);
  }

  @Test
  void afterAnUnsupportedExpectationTheNextRequestIsStillTimedAndChecked() {
    try (RawConnection connection = RawConnection.open(fixture.edge.port())) {
      // An expectation other than 100-continue is ignored (RFC 9110 §10.1.1) and the request answered as usual.
      connection.send("POST /postback?kcid=K&token=t HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n"
          + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 6\r\n\r\ngoal=x");
      assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 ").doesNotContain("417");
      // The decoder goes on; a folded line in the next head is still found, without a body deadline left over.
      connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n");
      assertThat(connection.readResponse()).startsWith("HTTP/1.1 400 ").contains("MALFORMED_REQUEST");
    }
  }

  @Test
  void aSlowHeadAfterABodyIsTimedByTheHeadDeadlineNotTheLongerBodyOne() throws InterruptedException {
    try (EdgeFixture edge = new EdgeFixture(config -> config.headTimeout(Duration.ofSeconds(1)).bodyTimeout(Duration.ofSeconds(20)));
        RawConnection connection = RawConnection.open(edge.edge.port())) {
      connection.send("POST /postback?kcid=K&token=t HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          + "Content-Length: 6\r\n\r\ngoal=x");
      assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 ");
      int sent = connection.trickle(headerLines(10), 300); // the whole head would take 3.3 s: over 1 s, under 20 s
      assertThat(sent).isLessThan(12);
      assertThat(connection.readResponse()).startsWith("HTTP/1.1 408 ").contains("request head");
    }
  }
}
