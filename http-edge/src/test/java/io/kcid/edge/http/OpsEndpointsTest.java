package io.kcid.edge.http;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.HttpEdge;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.JsonMap;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpsEndpointsTest {
  private final EdgeFixture fixture = new EdgeFixture();
  private final FakeBackend backend = fixture.backend;

  @BeforeEach
  void reset() {
    backend.reset();
  }

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  @Test
  void healthzIsOk() {
    HttpResponse<String> response = fixture.get("/healthz");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JsonMap.parse(response.body())).isEqualTo(Map.of("status", "ok"));
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void readyzFollowsTheBackendsHealth() {
    awaitStatus(() -> fixture.get("/readyz"), 200);

    backend.setServing(false);
    HttpResponse<String> notReady = awaitStatus(() -> fixture.get("/readyz"), 503);
    assertRejected(notReady, 503, "BACKEND_UNAVAILABLE", "SERVING");

    backend.setServing(true);
    assertThat(JsonMap.parse(awaitStatus(() -> fixture.get("/readyz"), 200).body())).containsEntry("status", "ok");
  }

  @Test
  void metricsCountRequestsAndPostbacksButNeverLeakSecrets() {
    fixture.get("/postback?kcid=KCIDVALUE123&token=SUPERSECRETTOKEN&junk1=a&junk2=b");
    fixture.send(
        HttpRequest.newBuilder(fixture.uri("/postback?kcid=KCIDVALUE123")).header("Authorization", "Bearer BEARERSECRET").GET());
    fixture.send(
        HttpRequest.newBuilder(fixture.uri("/postback?kcid=KCIDVALUE123")).header("X-Kcid-Signature", "t=1,v2=HMACSECRET").GET());
    fixture.post("/postbacks?token=SUPERSECRETTOKEN", "application/json", "[{\"kcid\":\"KCIDVALUE123\"}]");
    fixture.get("/c?a=acme&c=x&u=https%3A%2F%2Fx.example&sig=SIGNATURESECRET");
    fixture.get("/no/such/path/SECRETPATH");

    HttpResponse<String> response = fixture.adminGet("/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    String text = response.body();
    // Every series exists at zero from the start: these must have moved.
    assertThat(text)
        .containsPattern("kcid_edge_requests_total\\{route=\"postback\",status=\"200\"} [1-9]")
        .containsPattern("kcid_edge_requests_total\\{route=\"postback\",status=\"401\"} [1-9]")
        .containsPattern("kcid_edge_requests_total\\{route=\"c\",status=\"302\"} [1-9]")
        .containsPattern("kcid_edge_requests_total\\{route=\"other\",status=\"404\"} [1-9]")
        .contains("kcid_edge_request_duration_seconds_bucket{route=\"postback\"")
        .containsPattern("kcid_edge_postbacks_total\\{outcome=\"accepted\",reason=\"none\"} [1-9]")
        .containsPattern("kcid_edge_postbacks_total\\{outcome=\"rejected\",reason=\"POSTBACK_SIGNATURE_INVALID\"} [1-9]")
        .containsPattern("kcid_edge_requests_total\\{route=\"postbacks\",status=\"200\"} [1-9]")
        .contains("kcid_edge_postback_unknown_parameters_total 2.0")
        .contains("jvm_memory_used_bytes");
    assertThat(text).doesNotContain("SUPERSECRETTOKEN", "BEARERSECRET", "SIGNATURESECRET", "KCIDVALUE123", "SECRETPATH", "HMACSECRET");
  }

  @Test
  void backendErrorsAreCountedByCode() {
    backend.onConversion(r -> FakeBackend.Answer.fail(FakeBackend.plain(io.grpc.Status.Code.UNAVAILABLE)));
    fixture.get("/postback?kcid=K&token=t");
    assertThat(fixture.adminGet("/metrics").body()).containsPattern("kcid_edge_backend_errors_total\\{code=\"UNAVAILABLE\"} [1-9]");
  }

  @Test
  void postOnOpsRoutesIs405() {
    HttpResponse<String> response = fixture.post("/healthz", "application/json", "{}");
    assertRejected(response, 405, "METHOD_NOT_ALLOWED", "GET");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET");
  }

  @Test
  void backendDownIs503AndNotReady() throws Exception {
    try (FakeBackend doomed = new FakeBackend();
        HttpEdge edge =
            HttpEdge.start(EdgeFixture.preset(doomed.target()).workerThreads(1).retryAfter(Duration.ofSeconds(2)).build())) {
      EdgeFixtureClient client = new EdgeFixtureClient(edge.port());
      assertThat(client.get("/c?a=acme&c=x&u=https%3A%2F%2Fx.example&sig=s").statusCode()).isEqualTo(302);
      awaitStatus(() -> client.get("/readyz"), 200);

      doomed.stop();

      HttpResponse<String> click = client.get("/c?a=acme&c=x&u=https%3A%2F%2Fx.example&sig=s");
      assertRejected(click, 503, "BACKEND_UNAVAILABLE", "unreachable");
      assertThat(click.headers().firstValue("Retry-After")).hasValue("2");
      assertRejected(client.get("/postback?kcid=K&token=t"), 503, "BACKEND_UNAVAILABLE", "unknown");
      awaitStatus(() -> client.get("/readyz"), 503);
    }
  }

  @Test
  void closeLetsInFlightRequestsFinishAndReadinessSaysShuttingDown() throws Exception {
    try (FakeBackend slow = new FakeBackend()) {
      slow.onConversion(
          r -> FakeBackend.Answer.ok(
                  io.kcid.proto.tracking.v1.RecordConversionResponse.newBuilder()
                      .setOutcome(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED)
                      .setConversionId("K-1")
                      .build())
              .after(Duration.ofMillis(300)));
      HttpEdge edge =
          HttpEdge.start(EdgeFixture.preset(slow.target()).callDeadline(Duration.ofSeconds(2)).workerThreads(1)
              .retryAfter(Duration.ofSeconds(2)).build());
      EdgeFixtureClient client = new EdgeFixtureClient(edge.port());
      var inFlight = client.getAsync("/postback?kcid=K&token=t");
      long deadline = System.nanoTime() + 2_000_000_000L;
      while (slow.conversions.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }

      edge.close();

      HttpResponse<String> answered = inFlight.get();
      assertThat(answered.statusCode()).isEqualTo(200);
      assertThat(answered.headers().firstValue("Connection")).hasValue("close");
    }
  }

  @Test
  void readinessIsFalseOnceShutdownBegan() {
    Lifecycle lifecycle = new Lifecycle();
    RouteHandler readyz = OpsHandlers.readyz(lifecycle, () -> true, new Responses(2));
    assertThat(readyz.handle(null).join().status()).isEqualTo(200);
    lifecycle.beginShutdown();
    EdgeResponse shuttingDown = readyz.handle(null).join();
    assertThat(shuttingDown.status()).isEqualTo(503);
    assertThat(shuttingDown.headers()).containsEntry("Retry-After", "2");
    assertThat(JsonMap.parse(new String(shuttingDown.body(), java.nio.charset.StandardCharsets.UTF_8)))
        .containsEntry("reason", "SHUTTING_DOWN");
  }

  private static HttpResponse<String> awaitStatus(Supplier<HttpResponse<String>> request, int status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    HttpResponse<String> response = request.get();
    while (response.statusCode() != status && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      response = request.get();
    }
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return response;
  }

  /**
   * A bare client for edges started outside the fixture. Each has its own connection pool: a shared
   * one could hand a test a pooled connection to an earlier, closed edge that had the same port.
   */
  private record EdgeFixtureClient(int port, java.net.http.HttpClient client) {
    EdgeFixtureClient(int port) {
      this(port, java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NEVER).build());
    }

    HttpResponse<String> get(String path) {
      try {
        return getAsync(path).get();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    java.util.concurrent.CompletableFuture<HttpResponse<String>> getAsync(String path) {
      return client.sendAsync(
          HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }
}
