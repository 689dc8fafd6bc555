package io.kcid.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.click.RedirectGuard;
import io.kcid.edge.config.AbuseLimits;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.FakeBackend;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes the whole edge, over a real socket: any method, path, headers and body reach the real
 * pipeline (codec, aggregator, dispatcher, router, every route's handler, the rate limits and the
 * web view's sign-in) of an edge whose backend always answers (a fake that refuses unsafe
 * destinations as the tracking-server does, so no 503 or logged server bug comes from the fake).
 * The promise: no unauthenticated request gets a 5xx or a stack trace, and none makes the edge log
 * at ERROR (the edge logs ERROR only for its own bugs).
 *
 * <p>An input is text: a method line, a request-target line, header lines up to an empty line, then
 * the body (see the seeds). Framing stays the harness's (it sets Content-Length and
 * {@code Connection: close} and drops those headers from the input), so every input is one
 * complete request and is answered.
 */
class EdgeRouterFuzzTest {
  private static final String ADMIN_KEY = "kak_fuzz-admin-key-never-guessed-0123456789";
  private static final Set<String> FRAMING = Set.of("content-length", "transfer-encoding", "connection", "upgrade");
  private static final int MAX_HEADERS = 24;

  private static Edge edge;

  /** The edge, its fake backend and the log capture, started on first use. */
  private record Edge(FakeBackend backend, ManagedChannel channel, HttpEdge http, ListAppender<ILoggingEvent> log, Logger root) {
    static Edge start() {
      FakeBackend backend = new FakeBackend();
      // As the tracking-server: a destination it would not redirect to is refused (a 4xx), never echoed.
      backend.onClick(request -> {
        String url = request.getDestinationUrl() + (request.getDestinationUrl().contains("?") ? "&" : "?") + "kcid=k1";
        return RedirectGuard.safeLocation(url).isPresent()
            ? Answer.ok(IssueClickResponse.newBuilder().setRedirectUrl(url).build())
            : Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_DESTINATION_INVALID, "destination refused", null));
      });
      ManagedChannel channel = NettyChannelBuilder.forTarget(backend.target()).usePlaintext().build();
      // 127.0.0.0/8 is a trusted proxy, so inputs choose their client address with X-Forwarded-For
      // and reach both sides of every per-address limit.
      EdgeConfig config = EdgeFixture.preset(backend.target())
          .callDeadline(Duration.ofMillis(2000))
          .retryAfter(Duration.ofSeconds(1))
          .trustedProxies(List.of("127.0.0.0/8"))
          .postbackRates(500, 1000, 2)
          .adminKey(ADMIN_KEY)
          .abuseLimits(new AbuseLimits(200, 400, List.of("192.0.2.0/24"), 10))
          .build();
      HttpEdge http = HttpEdge.start(config, channel);
      awaitReady(http);
      Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      ListAppender<ILoggingEvent> log = new ListAppender<>();
      log.setContext(root.getLoggerContext());
      log.start();
      root.addAppender(log);
      return new Edge(backend, channel, http, log, root);
    }

    /**
     * Until the edge has seen its backend SERVING: before that /readyz is rightly 503, which an
     * input reaching it first would report as a finding (it did, once, on a loaded CI machine).
     */
    static void awaitReady(HttpEdge http) {
      java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
      java.net.URI readyz = java.net.URI.create("http://127.0.0.1:" + http.port() + "/readyz");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        try {
          if (client.send(java.net.http.HttpRequest.newBuilder(readyz).build(),
              java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
            return;
          }
          Thread.sleep(20);
        } catch (java.io.IOException e) {
          // not listening yet: try again
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted waiting for /readyz", e);
        }
      }
      throw new AssertionError("the edge never became ready (its fake backend's health check)");
    }

    void close() throws InterruptedException {
      root.detachAppender(log);
      http.close();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      backend.close();
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (edge != null) {
      edge.close();
      edge = null;
    }
  }

  @FuzzTest(maxDuration = "10s")
  void everyRequestIsAnsweredWithoutA5xxOrALoggedBug(byte[] input) {
    // The harness talks to its own edge on loopback (and the edge to its fake backend); nothing else.
    BugDetectors.allowNetworkConnections((host, port) -> host.equals("localhost") || host.startsWith("127."));
    if (edge == null) {
      edge = start();
    }
    byte[] request = request(input);
    List<ILoggingEvent> before = List.copyOf(edge.log().list);
    String response = exchange(request);
    List<String> statuses = statuses(response);
    String shown = new String(request, 0, Math.min(request.length, 400), StandardCharsets.ISO_8859_1);
    assertThat(statuses).as("an answer to:\n%s", shown).isNotEmpty();
    for (String status : statuses) {
      assertThat(Integer.parseInt(status)).as("status for:\n%s\nresponse:\n%s", shown, response).isLessThan(500);
    }
    String sent = new String(request, StandardCharsets.ISO_8859_1);
    for (String trace : List.of("Exception", "\tat io.", "\tat java.")) {
      if (!sent.contains(trace)) {
        assertThat(response).as("no stack trace for:\n%s", shown).doesNotContain(trace);
      }
    }
    List<String> errors = new ArrayList<>();
    for (ILoggingEvent event : List.copyOf(edge.log().list)) {
      if (!before.contains(event) && event.getLevel().isGreaterOrEqual(Level.ERROR) && event.getLoggerName().startsWith("io.kcid")) {
        errors.add(event.getLoggerName() + ": " + event.getFormattedMessage());
      }
    }
    assertThat(errors).as("ERROR logged for:\n%s", shown).isEmpty();
    if (edge.log().list.size() > 10_000) {
      edge.log().list.clear();
    }
  }

  private static Edge start() {
    return Edge.start();
  }

  /** The input as one framed HTTP/1.1 request. */
  static byte[] request(byte[] input) {
    String text = new String(input, StandardCharsets.ISO_8859_1);
    int at = 0;
    int end = lineEnd(text, at);
    String method = token(text.substring(at, end));
    at = next(text, end);
    end = lineEnd(text, at);
    String target = target(text.substring(at, end));
    at = next(text, end);
    StringBuilder head = new StringBuilder();
    head.append(method.isEmpty() ? "GET" : method).append(' ').append(target).append(" HTTP/1.1\r\n");
    head.append("Host: edge.test\r\n");
    int headers = 0;
    while (at < text.length()) {
      end = lineEnd(text, at);
      String line = text.substring(at, end);
      at = next(text, end);
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      String name = token(colon < 0 ? line : line.substring(0, colon));
      String value = colon < 0 ? "" : value(line.substring(colon + 1));
      if (!name.isEmpty() && !FRAMING.contains(name.toLowerCase(Locale.ROOT)) && headers++ < MAX_HEADERS) {
        head.append(name).append(": ").append(value.strip()).append("\r\n");
      }
    }
    byte[] body = at < text.length() ? text.substring(at).getBytes(StandardCharsets.ISO_8859_1) : new byte[0];
    if (body.length > 0 || method.equals("POST") || method.equals("PUT")) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    return out.toByteArray();
  }

  private static int lineEnd(String text, int from) {
    int newline = text.indexOf('\n', from);
    return newline < 0 ? text.length() : newline;
  }

  private static int next(String text, int lineEnd) {
    return Math.min(text.length(), lineEnd + 1);
  }

  /** RFC 9110 token characters only. */
  private static String token(String text) {
    StringBuilder token = new StringBuilder();
    for (char c : text.toCharArray()) {
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0) {
        token.append(c);
      }
    }
    return token.length() > 64 ? token.substring(0, 64) : token.toString();
  }

  /** Printable ASCII as is (a request-target has no spaces), everything else percent-encoded. */
  private static String target(String text) {
    StringBuilder target = new StringBuilder(text.startsWith("/") ? "" : "/");
    for (char c : text.toCharArray()) {
      if (c > 0x20 && c < 0x7f) {
        target.append(c);
      } else if (c != '\r') {
        target.append('%').append(String.format("%02X", (int) c & 0xff));
      }
    }
    return target.toString();
  }

  /** A field value: no CR, LF or NUL (those would change the framing, which is not under test here). */
  private static String value(String text) {
    StringBuilder value = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '\t' || (c >= 0x20 && c != 0x7f)) {
        value.append(c);
      }
    }
    return value.toString();
  }

  /** Everything the edge sends until it closes the connection. */
  private static String exchange(byte[] request) {
    // The web view and /metrics live on the admin listener; every other path on the public port. Both are fuzzed.
    String line = new String(request, 0, Math.min(request.length, 256), StandardCharsets.ISO_8859_1);
    int space = line.indexOf(' ');
    String path = space < 0 ? "" : line.substring(space + 1);
    int port = path.startsWith("/admin") || path.startsWith("/metrics") ? edge.http().adminPort() : edge.http().port();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000); // generous: under fuzzing, the first requests load and instrument hundreds of classes
      socket.setSoLinger(true, 0); // no TIME_WAIT pile-up over a long fuzzing run
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          received.write(buffer, 0, n);
        }
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("the edge did not answer and close within 30 s (the request asked for Connection: close); received:\n"
            + received.toString(StandardCharsets.ISO_8859_1) + "\nfor:\n" + new String(request, StandardCharsets.ISO_8859_1));
      }
      return received.toString(StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketException e) {
      return ""; // reset after the answer can lose it; the assertion then reports no answer
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The status codes of every response in {@code text} (interim 1xx included). */
  static List<String> statuses(String text) {
    List<String> statuses = new ArrayList<>();
    int at = 0;
    while (text.startsWith("HTTP/1.", at)) {
      int lineEnd = text.indexOf("\r\n", at);
      int headEnd = text.indexOf("\r\n\r\n", at);
      if (lineEnd < 0 || headEnd < 0) {
        break;
      }
      String[] statusLine = text.substring(at, lineEnd).split(" ", 3);
      statuses.add(statusLine.length > 1 ? statusLine[1] : "");
      int length = 0;
      for (String header : headEnd > lineEnd ? text.substring(lineEnd + 2, headEnd).split("\r\n") : new String[0]) {
        if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
          length = Integer.parseInt(header.substring(15).trim());
        }
      }
      at = headEnd + 4 + (statusLine.length > 1 && statusLine[1].startsWith("1") ? 0 : length);
    }
    return statuses;
  }
}
