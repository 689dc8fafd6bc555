package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.faults.testing.Http;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.server.TrackingServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 item 6 (slow-loris) and item 11 (obs-fold header lines; /metrics and the web view on the
 * public port), against the real edge, tracking-server and Redis over raw sockets. The edges here
 * have short deadlines (head 1 s, body 1 s) so each attack is over in seconds; the defaults are 10 s
 * and 30 s. Before the fix a trickled head or body held its connection until the 60 s idle timeout
 * never came (every byte reset it), any number of connections per address were held, a folded
 * {@code Authorization} line was joined and accepted, and {@code /metrics} and {@code /admin/} were
 * served on the public port.
 */
class SlowlorisIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final Duration DEADLINE = Duration.ofSeconds(1);
  private static final String ADMIN_KEY = "slowloris-admin-key-0123456789";

  @TempDir static Path dir;
  private static RedisProcess redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static CreateAccountResponse account;
  private static String grpcTarget;

  @BeforeAll
  static void start() throws Exception {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    int port = Stack.freePort();
    server = Stack.server(redis.url(), KEYS, port, Duration.ZERO);
    channel = Stack.channel(port);
    account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
    grpcTarget = "127.0.0.1:" + port;
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  /** An edge with 1 s deadlines and these caps, the web view on, its admin listener on a free loopback port. */
  private static HttpEdge edge(int perAddress, int total) {
    return HttpEdge.start(Stack.edgeConfig(grpcTarget).adminKey(ADMIN_KEY).headTimeout(DEADLINE).bodyTimeout(DEADLINE)
        .maxConnectionsPerAddress(perAddress).maxConnections(total).build());
  }

  /** A fresh click's kcid, through the edge's signed redirect. */
  private static String click(HttpEdge edge) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account.getAccount().getAccountId());
    params.put("c", "slow");
    params.put("u", "https://shop.example/landing");
    Http.Answer redirect = Http.get(ClickUrlSigner.signedUrl("http://127.0.0.1:" + edge.port(), params, account.getSecrets().getClickSecret()));
    assertThat(redirect.status()).as(redirect.body()).isEqualTo(302);
    String location = redirect.location().orElseThrow();
    return location.substring(location.indexOf("kcid=") + 5);
  }

  private static String token() {
    return account.getSecrets().getPostbackToken();
  }

  @Test
  void slowHeadIsCutOffWith408() {
    try (HttpEdge edge = edge(256, 10_000); Raw slow = Raw.open("127.0.0.1", edge.port())) {
      List<String> lines = new ArrayList<>();
      lines.add("GET /postback?kcid=" + click(edge) + "&goal=sale HTTP/1.1\r\nHost: edge.example\r\n");
      for (int i = 0; i < 15; i++) {
        lines.add("X-Trickle-" + i + ": 1\r\n"); // one header line every 400 ms: never idle, never complete
      }
      lines.add("Authorization: Bearer " + token() + "\r\n\r\n");
      int sent = slow.trickle(lines, 400);
      assertThat(sent).as("cut off before the head was complete").isLessThan(lines.size());
      String response = slow.readResponse();
      assertThat(response).startsWith("HTTP/1.1 408 ").contains("\"reason\":\"REQUEST_TIMEOUT\"").containsIgnoringCase("connection: close");
      assertThat(slow.closedByEdge()).isTrue();
    }
  }

  @Test
  void slowBodyIsCutOffWith408() {
    try (HttpEdge edge = edge(256, 10_000); Raw slow = Raw.open("127.0.0.1", edge.port())) {
      String kcid = click(edge);
      String body = "kcid=" + kcid + "&goal=sale&value=10.00&currency=EUR";
      slow.send("POST /postback HTTP/1.1\r\nHost: edge.example\r\nAuthorization: Bearer " + token()
          + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.length() + "\r\n\r\n");
      List<String> bytes = new ArrayList<>();
      for (char c : body.toCharArray()) {
        bytes.add(String.valueOf(c)); // one byte every 400 ms
      }
      int sent = slow.trickle(bytes, 400);
      assertThat(sent).as("cut off before the body was complete").isLessThan(bytes.size());
      assertThat(slow.readResponse()).startsWith("HTTP/1.1 408 ").contains("\"reason\":\"REQUEST_TIMEOUT\"");
      assertThat(slow.closedByEdge()).isTrue();
      // Nothing half-read was recorded: the same conversion sent properly is new.
      Http.Answer whole = Http.get("http://127.0.0.1:" + edge.port() + "/postback?" + body + "&token=" + token());
      assertThat(whole.status()).as(whole.body()).isEqualTo(200);
      assertThat(whole.body()).contains("\"status\":\"accepted\"");
    }
  }

  @Test
  void honestSlowClientWithinDeadlineSucceeds() {
    try (HttpEdge edge = edge(256, 10_000); Raw phone = Raw.open("127.0.0.1", edge.port())) {
      String body = "kcid=" + click(edge) + "&goal=sale";
      // A slow phone: the head in three pieces and the body in two, 150 ms apart, each well within its 1 s deadline.
      phone.trickle(List.of(
          "POST /postback HTTP/1.1\r\nHost: edge.example\r\n",
          "Authorization: Bearer " + token() + "\r\nContent-Type: application/x-www-form-urlencoded\r\n",
          "Content-Length: " + body.length() + "\r\n\r\n",
          body.substring(0, 10),
          body.substring(10)), 150);
      String response = phone.readResponse();
      assertThat(response).startsWith("HTTP/1.1 200 ").contains("\"status\":\"accepted\"");
    }
  }

  @Test
  void connectionsPerAddressAreCapped() {
    List<Raw> held = new ArrayList<>();
    try (HttpEdge edge = edge(5, 10_000)) {
      String kcid = click(edge); // (from 127.0.0.1, whose pooled connection stays open: the attacker is 127.0.0.3)
      for (int i = 0; i < 5; i++) {
        held.add(Raw.served("127.0.0.3", edge.port())); // five kept-alive connections from one address
      }
      try (Raw sixth = Raw.open("127.0.0.3", edge.port())) {
        sixth.send("GET /healthz HTTP/1.1\r\nHost: edge.example\r\n\r\n");
        assertThat(sixth.readResponse()).startsWith("HTTP/1.1 429 ").contains("\"reason\":\"RATE_LIMITED\"")
            .containsIgnoringCase("retry-after: 1");
        assertThat(sixth.closedByEdge()).isTrue();
      }
      // Another address still converts.
      try (Raw other = Raw.open("127.0.0.2", edge.port())) {
        other.send("GET /postback?kcid=" + kcid + "&goal=sale&token=" + token() + " HTTP/1.1\r\nHost: edge.example\r\n\r\n");
        assertThat(other.readResponse()).startsWith("HTTP/1.1 200 ").contains("\"status\":\"accepted\"");
      }
    } finally {
      held.forEach(Raw::close);
    }
  }

  @Test
  void globalConnectionCapAnswers503() {
    List<Raw> held = new ArrayList<>();
    try (HttpEdge edge = edge(2, 4)) {
      held.add(Raw.served("127.0.0.1", edge.port()));
      held.add(Raw.served("127.0.0.1", edge.port()));
      held.add(Raw.served("127.0.0.2", edge.port()));
      held.add(Raw.served("127.0.0.3", edge.port()));
      try (Raw fifth = Raw.open("127.0.0.4", edge.port())) {
        fifth.send("GET /healthz HTTP/1.1\r\nHost: edge.example\r\n\r\n");
        assertThat(fifth.readResponse()).startsWith("HTTP/1.1 503 ").contains("\"reason\":\"TOO_MANY_CONNECTIONS\"")
            .containsIgnoringCase("retry-after: 1");
        assertThat(fifth.closedByEdge()).isTrue();
      }
      // Operators still reach /metrics: the admin listener has caps of its own.
      assertThat(Http.get("http://127.0.0.1:" + edge.adminPort() + "/metrics").body())
          .contains("kcid_edge_connections_refused_total{cap=\"listener\",listener=\"public\"} 1.0");
    } finally {
      held.forEach(Raw::close);
    }
  }

  @Test
  void obsFoldHeaderIsRefused() {
    try (HttpEdge edge = edge(256, 10_000)) {
      String kcid = click(edge);
      // Folded, "Authorization: Bearer <token>" to a parser that joins lines; the edge must refuse it.
      try (Raw folded = Raw.open("127.0.0.1", edge.port())) {
        folded.send("GET /postback?kcid=" + kcid + "&goal=sale HTTP/1.1\r\nHost: edge.example\r\nAuthorization: Bearer\r\n "
            + token() + "\r\n\r\n");
        assertThat(folded.readResponse()).startsWith("HTTP/1.1 400 ").contains("\"reason\":\"MALFORMED_REQUEST\"")
            .containsIgnoringCase("connection: close");
        assertThat(folded.closedByEdge()).isTrue();
      }
      // It was not recorded: the same postback on one line is accepted as new.
      Http.Answer plain = Http.get("http://127.0.0.1:" + edge.port() + "/postback?kcid=" + kcid + "&goal=sale&token=" + token());
      assertThat(plain.body()).contains("\"status\":\"accepted\"");
    }
  }

  @Test
  void metricsAndAdminAreNotOnThePublicPort() {
    try (HttpEdge edge = edge(256, 10_000)) {
      String publicBase = "http://127.0.0.1:" + edge.port();
      for (String path : List.of("/metrics", "/admin/login", "/admin/accounts/" + account.getAccount().getAccountId())) {
        Http.Answer answer = Http.get(publicBase + path);
        assertThat(answer.status()).as(path).isEqualTo(404);
        assertThat(answer.body()).contains("ROUTE_NOT_FOUND").doesNotContain("kcid_edge", "<form");
      }
      assertThat(Http.get(publicBase + "/healthz").status()).isEqualTo(200);
      String adminBase = "http://127.0.0.1:" + edge.adminPort();
      assertThat(Http.get(adminBase + "/metrics").body()).contains("kcid_edge_requests_total");
      assertThat(Http.get(adminBase + "/admin/login").status()).isEqualTo(200);
      assertThat(Http.get(adminBase + "/postback?kcid=x&token=" + token()).status()).isEqualTo(404);
    }
  }

  /** One raw connection: bytes written when the test says, whole responses read. */
  private static final class Raw implements AutoCloseable {
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d+)\\s*$");
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private Raw(Socket socket) throws IOException {
      this.socket = socket;
      socket.setSoTimeout(5000);
      in = socket.getInputStream();
      out = socket.getOutputStream();
    }

    /** From this loopback address (Linux answers on all of 127/8). */
    static Raw open(String from, int port) {
      try {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
        return new Raw(socket);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** A kept-alive connection served once, so the edge has counted it. */
    static Raw served(String from, int port) {
      Raw raw = open(from, port);
      raw.send("GET /healthz HTTP/1.1\r\nHost: edge.example\r\n\r\n");
      assertThat(raw.readResponse()).startsWith("HTTP/1.1 200 ");
      return raw;
    }

    boolean send(String text) {
      try {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    /** Pieces with a pause between them; stops once the edge answered or closed. Returns how many were sent. */
    int trickle(List<String> pieces, long pauseMillis) {
      int sent = 0;
      for (String piece : pieces) {
        if (sent > 0) {
          Stack.sleep(pauseMillis);
        }
        try {
          if (in.available() > 0 || !send(piece)) {
            return sent;
          }
        } catch (IOException e) {
          return sent;
        }
        sent++;
      }
      return sent;
    }

    String readResponse() {
      try {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
          int b = in.read();
          if (b < 0) {
            throw new IOException("closed after " + head.length() + " bytes: " + head);
          }
          head.append((char) b);
        }
        Matcher length = CONTENT_LENGTH.matcher(head);
        byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
        return head + new String(body, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** End of stream (or a reset) within 5 s. */
    boolean closedByEdge() {
      try {
        return in.read() < 0;
      } catch (SocketException e) {
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
