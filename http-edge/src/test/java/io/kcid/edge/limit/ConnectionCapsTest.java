package io.kcid.edge.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.RawConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Per-address and per-listener connection caps, over real sockets from several loopback addresses. */
class ConnectionCapsTest {
  private static final String REQUEST = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

  private static UnaryOperator<EdgeConfig.Builder> caps(int perAddress, int total) {
    return config -> config.maxConnectionsPerAddress(perAddress).maxConnections(total);
  }

  /** A kept-open connection that has been served once (so the edge has counted it). */
  private static RawConnection served(String from, int port) {
    RawConnection connection = RawConnection.open(from, port);
    connection.send(REQUEST);
    assertThat(connection.readResponse()).startsWith("HTTP/1.1 200 ");
    return connection;
  }

  private static String refusal(String from, int port) {
    try (RawConnection connection = RawConnection.open(from, port)) {
      connection.send(REQUEST);
      String response = connection.readResponse();
      assertThat(connection.closedByEdge()).as("closed after the refusal").isTrue();
      return response;
    }
  }

  /** Waits (up to 15 s) until the supplier answers a response starting with 200. */
  private static void awaitServed(Supplier<String> attempt) throws InterruptedException {
    String last = attempt.get();
    for (int i = 0; i < 150 && !last.startsWith("HTTP/1.1 200 "); i++) {
      Thread.sleep(100);
      last = attempt.get();
    }
    assertThat(last).as("a connection from the address once a place is free").startsWith("HTTP/1.1 200 ");
  }

  @Test
  void anAddressOverItsShareIsAnswered429AndClosedWhileOthersAreServed() throws Exception {
    List<RawConnection> held = new ArrayList<>();
    try (EdgeFixture edge = new EdgeFixture(caps(3, 100))) {
      int port = edge.edge.port();
      for (int i = 0; i < 3; i++) {
        held.add(served("127.0.0.1", port));
      }
      String refused = refusal("127.0.0.1", port);
      assertThat(refused).startsWith("HTTP/1.1 429 ").contains("\"reason\":\"RATE_LIMITED\"").containsIgnoringCase("retry-after: 3")
          .containsIgnoringCase("content-type: application/json").containsIgnoringCase("connection: close");
      // Another address is not affected.
      try (RawConnection other = served("127.0.0.2", port)) {
        assertThat(other).isNotNull();
      }
      // A place frees up when one of the three closes.
      held.remove(0).close();
      awaitServed(() -> {
        try (RawConnection again = RawConnection.open("127.0.0.1", port)) {
          again.send(REQUEST);
          return again.readResponse();
        }
      });
      assertThat(edge.adminGet("/metrics").body())
          .contains("kcid_edge_connections_refused_total{cap=\"per_address\",listener=\"public\"}");
    } finally {
      held.forEach(RawConnection::close);
    }
  }

  @Test
  void aFullListenerAnswers503TooManyConnections() throws Exception {
    List<RawConnection> held = new ArrayList<>();
    try (EdgeFixture edge = new EdgeFixture(caps(2, 3))) {
      int port = edge.edge.port();
      held.add(served("127.0.0.1", port));
      held.add(served("127.0.0.2", port));
      held.add(served("127.0.0.3", port));
      String refused = refusal("127.0.0.4", port);
      assertThat(refused).startsWith("HTTP/1.1 503 ").contains("\"reason\":\"TOO_MANY_CONNECTIONS\"")
          .containsIgnoringCase("retry-after: 3");
      // The admin listener has its own caps: operators still get in.
      assertThat(edge.adminGet("/metrics").body()).contains("kcid_edge_connections_open{listener=\"public\"} 3.0");
    } finally {
      held.forEach(RawConnection::close);
    }
  }

  @Test
  void aTrustedProxyIsExemptFromThePerAddressCapButNotFromTheListenerCap() throws Exception {
    List<RawConnection> held = new ArrayList<>();
    try (EdgeFixture edge = new EdgeFixture(config -> caps(1, 3).apply(config.trustedProxies(List.of("127.0.0.1"))))) {
      int port = edge.edge.port();
      for (int i = 0; i < 3; i++) {
        held.add(served("127.0.0.1", port));
      }
      assertThat(refusal("127.0.0.1", port)).startsWith("HTTP/1.1 503 ").contains("TOO_MANY_CONNECTIONS");
    } finally {
      held.forEach(RawConnection::close);
    }
  }
}
