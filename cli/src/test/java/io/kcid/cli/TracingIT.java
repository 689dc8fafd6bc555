package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.tracing.TracingConfig;
import io.kcid.edge.HttpEdge;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One trace from the HTTP edge through gRPC to the tracking-server's Redis commands, for a click and
 * for a postback: a real edge and a real server over sockets on a real redis-server, each exporting
 * to an in-memory exporter given through its config builder. A second edge runs with tracing off:
 * it sends no {@code traceparent}, so the server starts a trace of its own.
 */
class TracingIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final InMemorySpanExporter SERVER_SPANS = InMemorySpanExporter.create();
  private static final InMemorySpanExporter EDGE_SPANS = InMemorySpanExporter.create();
  /** A caller's trace context, as a browser or an ad server in front of the edge would send it. */
  private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CALLER_SPAN = "00f067aa0ba902b7";
  private static final String CALLER_TRACEPARENT = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge tracedEdge;
  private static HttpEdge untracedEdge;
  private static ManagedChannel channel;
  private static CreateAccountResponse account;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).macKeys(KcidKeyRing.generate(1)).drainDelay(Duration.ZERO)
        .tracing(TracingConfig.exportingTo(SERVER_SPANS, 1.0))
        .build());
    tracedEdge = HttpEdge.start(TestEdges.loopback(server.port()).tracing(TracingConfig.exportingTo(EDGE_SPANS, 1.0)).build());
    untracedEdge = HttpEdge.start(TestEdges.loopback(server.port()).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    account = AdminServiceGrpc.newBlockingStub(channel)
        .createAccount(CreateAccountRequest.newBuilder().setAccountId("traced").build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    untracedEdge.close();
    tracedEdge.close();
    server.close();
    redis.close();
  }

  @BeforeEach
  void forgetEarlierSpans() {
    SERVER_SPANS.reset();
    EDGE_SPANS.reset();
  }

  @Test
  void aClickIsOneTraceFromTheEdgeThroughTheServerToRedis() throws Exception {
    HttpResponse<String> redirect = get(clickUrl(tracedEdge, "/landing"), Map.of());
    assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);

    Chain chain = awaitChain("GET /c", ClickServiceGrpc.getIssueClickMethod().getFullMethodName());
    // A new trace: the request carried no traceparent.
    assertThat(chain.http().getParentSpanContext().isValid()).isFalse();
    assertThat(chain.http().getAttributes().asMap()).extractingFromEntries(e -> e.getKey().getKey())
        .containsExactlyInAnyOrder("http.request.method", "http.route", "http.response.status_code");
    assertNoSecretIn(redirect.headers().firstValue("Location").orElseThrow(), redirect.uri().getRawQuery());
  }

  @Test
  void aPostbackContinuesTheCallersTraceThroughTheServerToRedis() throws Exception {
    String location = get(clickUrl(tracedEdge, "/sale"), Map.of()).headers().firstValue("Location").orElseThrow();
    String kcid = location.substring(location.indexOf("kcid=") + 5);
    SERVER_SPANS.reset();
    EDGE_SPANS.reset();

    HttpResponse<String> answer = get(
        "http://127.0.0.1:" + tracedEdge.port() + "/postback?kcid=" + kcid + "&txid=t-1&token="
            + account.getSecrets().getPostbackToken(),
        Map.of("traceparent", CALLER_TRACEPARENT));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);

    Chain chain = awaitChain("GET /postback", ConversionServiceGrpc.getRecordConversionMethod().getFullMethodName());
    assertThat(chain.http().getTraceId()).isEqualTo(CALLER_TRACE);
    assertThat(chain.http().getParentSpanId()).isEqualTo(CALLER_SPAN);
    assertThat(chain.http().getParentSpanContext().isRemote()).isTrue();
    assertNoSecretIn(kcid, account.getSecrets().getPostbackToken());
  }

  @Test
  void anEdgeWithTracingOffSendsNoTraceparent() throws Exception {
    HttpResponse<String> redirect = get(clickUrl(untracedEdge, "/untraced"), Map.of("traceparent", CALLER_TRACEPARENT));
    assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);

    String issueClick = ClickServiceGrpc.getIssueClickMethod().getFullMethodName();
    SpanData call = await().atMost(Duration.ofSeconds(10)).until(
        () -> find(SERVER_SPANS.getFinishedSpanItems(), issueClick, SpanKind.SERVER), Optional::isPresent).orElseThrow();
    // The server started a trace of its own: nothing came from the edge, not even the caller's header.
    assertThat(call.getParentSpanContext().isValid()).isFalse();
    assertThat(call.getTraceId()).isNotEqualTo(CALLER_TRACE);
    assertThat(EDGE_SPANS.getFinishedSpanItems()).isEmpty();
  }

  /** The edge's request span, its gRPC client span, the server's span of that call and one Redis command under it. */
  private record Chain(SpanData http, SpanData client, SpanData call, SpanData redis) {}

  /**
   * Waits for the four spans of one request and checks their parent chain: edge SERVER → edge
   * CLIENT → server SERVER (a remote parent: it came as traceparent) → Redis CLIENT, one trace id.
   */
  private static Chain awaitChain(String route, String method) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> chain(route, method));
    return chain(route, method);
  }

  private static Chain chain(String route, String method) {
    List<SpanData> edge = EDGE_SPANS.getFinishedSpanItems();
    List<SpanData> server = SERVER_SPANS.getFinishedSpanItems();
    SpanData http = find(edge, route, SpanKind.SERVER).orElseThrow(() -> new AssertionError("no edge span " + route + " in " + edge));
    SpanData client = find(edge, method, SpanKind.CLIENT).orElseThrow(() -> new AssertionError("no client span in " + edge));
    SpanData call = find(server, method, SpanKind.SERVER).orElseThrow(() -> new AssertionError("no server span in " + server));
    List<SpanData> redisSpans = server.stream()
        .filter(s -> s.getKind() == SpanKind.CLIENT && s.getInstrumentationScopeInfo().getName().contains("lettuce"))
        .filter(s -> s.getParentSpanId().equals(call.getSpanId()))
        .toList();
    assertThat(redisSpans).as("Redis spans under %s in %s", method, server).isNotEmpty();
    SpanData redisSpan = redisSpans.get(0);

    assertThat(List.of(client.getTraceId(), call.getTraceId(), redisSpan.getTraceId())).containsOnly(http.getTraceId());
    assertThat(client.getParentSpanId()).isEqualTo(http.getSpanId());
    assertThat(call.getParentSpanId()).isEqualTo(client.getSpanId());
    assertThat(call.getParentSpanContext().isRemote()).isTrue();
    assertThat(redisSpan.getName()).matches("[A-Z]+");
    return new Chain(http, client, call, redisSpan);
  }

  private static Optional<SpanData> find(List<SpanData> spans, String name, SpanKind kind) {
    return spans.stream().filter(s -> s.getName().equals(name) && s.getKind() == kind).findFirst();
  }

  /** No span of either process carries any of {@code secrets} (kcids, tokens, signatures) in an attribute. */
  private static void assertNoSecretIn(String... secrets) {
    List<SpanData> all = new ArrayList<>(EDGE_SPANS.getFinishedSpanItems());
    all.addAll(SERVER_SPANS.getFinishedSpanItems());
    for (SpanData span : all) {
      String attributes = span.getAttributes().toString() + span.getName();
      for (String secret : secrets) {
        for (String part : secret.split("[&=?]")) {
          if (part.length() >= 12) {
            assertThat(attributes).as("span %s", span.getName()).doesNotContain(part);
          }
        }
      }
    }
  }

  private static String clickUrl(HttpEdge edge, String path) {
    Map<String, String> click = new LinkedHashMap<>();
    click.put("a", "traced");
    click.put("c", "spring");
    click.put("u", "https://shop.example" + path);
    return ClickUrlSigner.signedUrl("http://127.0.0.1:" + edge.port(), click, account.getSecrets().getClickSecret());
  }

  private static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }
}
