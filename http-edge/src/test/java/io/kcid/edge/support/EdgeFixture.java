package io.kcid.edge.support;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.EdgeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A fake backend, a channel to it and an edge on a free port, plus HTTP helpers. */
public final class EdgeFixture implements AutoCloseable {
  public static final Duration DEADLINE = Duration.ofMillis(400);
  public static final int MAX_BODY = 4096;

  public final FakeBackend backend = new FakeBackend();
  public final ManagedChannel channel =
      NettyChannelBuilder.forTarget(backend.target()).usePlaintext().build();
  public final HttpEdge edge;
  private final HttpClient client =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(2)).build();

  public EdgeFixture() {
    this(UnaryOperator.identity());
  }

  /** An edge that believes X-Forwarded-For from these proxies. */
  public EdgeFixture(List<String> trustedProxies) {
    this(config -> config.trustedProxies(trustedProxies));
  }

  /** An edge with the {@link #preset} changed by {@code settings} (API key, rate limits, connection limits …). */
  public EdgeFixture(UnaryOperator<EdgeConfig.Builder> settings) {
    edge = HttpEdge.start(settings.apply(preset(backend.target())).build(), channel);
  }

  /**
   * What every fixture edge starts from: loopback at a free port (admin listener too), {@link #DEADLINE},
   * {@link #MAX_BODY}, 2 workers, Retry-After 3 s; otherwise the builder's embedding defaults (no key, no limits).
   */
  public static EdgeConfig.Builder preset(String grpcTarget) {
    return EdgeConfig.builder()
        .bindHost("127.0.0.1")
        .port(0)
        .grpcTarget(grpcTarget)
        .callDeadline(DEADLINE)
        .maxBodyBytes(MAX_BODY)
        .workerThreads(2)
        .retryAfter(Duration.ofSeconds(3));
  }

  public URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + edge.port() + pathAndQuery);
  }

  /** On the admin listener ({@code /metrics}, {@code /admin/…}). */
  public URI adminUri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + edge.adminPort() + pathAndQuery);
  }

  public HttpResponse<String> get(String pathAndQuery) {
    return send(HttpRequest.newBuilder(uri(pathAndQuery)).GET());
  }

  /** GET on the admin listener. */
  public HttpResponse<String> adminGet(String pathAndQuery) {
    return send(HttpRequest.newBuilder(adminUri(pathAndQuery)).GET());
  }

  public HttpResponse<String> post(String pathAndQuery, String contentType, String body) {
    return post(uri(pathAndQuery), contentType, body);
  }

  /** POST on the admin listener. */
  public HttpResponse<String> adminPost(String pathAndQuery, String contentType, String body) {
    return post(adminUri(pathAndQuery), contentType, body);
  }

  /** The edge's admin listener port. */
  public int adminPort() {
    return edge.adminPort();
  }

  private HttpResponse<String> post(URI target, String contentType, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(target).POST(HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return send(request);
  }

  public HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return client.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Writes raw bytes on a fresh socket and returns everything the edge sends until it closes (or 3 s pass). */
  public String raw(String request) {
    return raw(edge.port(), request);
  }

  /** As {@link #raw(String)}, to another port (the admin listener). */
  public String raw(int port, String request) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(3000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder response = new StringBuilder();
      byte[] buffer = new byte[8192];
      try {
        for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
          response.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
      } catch (java.net.SocketTimeoutException | java.net.SocketException e) {
        // keep-alive connection stayed open, or was reset after the answer: return what arrived
      }
      return response.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    edge.close();
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    backend.close();
  }
}
