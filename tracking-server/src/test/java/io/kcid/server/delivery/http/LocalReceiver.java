package io.kcid.server.delivery.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP receiver on a free loopback port for the sender's tests: answers by path (200, 500,
 * 429 with Retry-After, a hang, a slow answer, a redirect, a huge body, any status) and records
 * every request it saw. {@link #resetPort()} is a raw socket that resets each connection.
 */
final class LocalReceiver implements AutoCloseable {
  /** One request as the receiver saw it. */
  record Seen(String method, String path, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final ServerSocket resetSocket;
  private final Thread resetThread;

  LocalReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(executor);
    server.createContext("/", recording(this::answer));
    server.start();
    resetSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    resetThread = new Thread(this::resetLoop, "reset-receiver");
    resetThread.setDaemon(true);
    resetThread.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  int resetPort() {
    return resetSocket.getLocalPort();
  }

  String url(String pathAndQuery) {
    return "http://127.0.0.1:" + port() + pathAndQuery;
  }

  List<Seen> seen() {
    return List.copyOf(seen);
  }

  long seenOn(String path) {
    return seen.stream().filter(s -> s.path().equals(path)).count();
  }

  private HttpHandler recording(HttpHandler inner) {
    return exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      seen.add(new Seen(
          exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
          Map.copyOf(exchange.getRequestHeaders()), body));
      try {
        inner.handle(exchange);
      } catch (IOException e) {
        // The client went away (a bounded read, a timeout): nothing to answer.
      } finally {
        exchange.close();
      }
    };
  }

  private void answer(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (path.startsWith("/status/")) {
      send(exchange, Integer.parseInt(path.substring("/status/".length())), "status body");
    } else if (path.equals("/ok")) {
      send(exchange, 200, "ok");
    } else if (path.equals("/retry-after-seconds")) {
      exchange.getResponseHeaders().add("Retry-After", "120");
      send(exchange, 429, "slow down");
    } else if (path.equals("/retry-after-date")) {
      exchange.getResponseHeaders().add("Retry-After", exchange.getRequestURI().getQuery().substring("at=".length()).replace('+', ' '));
      send(exchange, 503, "maintenance");
    } else if (path.equals("/hang")) {
      await(release, 60_000);
    } else if (path.equals("/slow")) {
      await(new CountDownLatch(1), 300);
      send(exchange, 200, "slow but fine");
    } else if (path.equals("/redirect")) {
      exchange.getResponseHeaders().add("Location", url("/redirect-target"));
      exchange.sendResponseHeaders(302, -1);
    } else if (path.equals("/huge")) {
      exchange.sendResponseHeaders(200, 0);
      byte[] chunk = "0123456789abcdef ".repeat(512).getBytes(StandardCharsets.US_ASCII);
      try (OutputStream out = exchange.getResponseBody()) {
        for (int i = 0; i < 2_000; i++) { // ~17 MB unless the client stops reading
          out.write(chunk);
        }
      }
    } else if (path.equals("/leaky")) {
      send(exchange, 500, "failed for Authorization: Bearer abc.def.ghi with secret=hunter2 and "
          + "whsec_c2VjcmV0c2VjcmV0c2VjcmV0 and api_key=\"k-123\" token 0123456789abcdefABCDEF0123456789abcdef");
    } else {
      send(exchange, 200, "ok");
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static void await(CountDownLatch latch, long millis) {
    try {
      latch.await(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void resetLoop() {
    while (!resetSocket.isClosed()) {
      try (Socket s = resetSocket.accept()) {
        InputStream in = s.getInputStream();
        in.read(new byte[1024]); // the request has arrived
        s.setSoLinger(true, 0); // close with RST
      } catch (IOException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
    resetSocket.close();
  }
}
