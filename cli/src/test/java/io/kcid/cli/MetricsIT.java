package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.SpoolConfig;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.KcidConfig;
import io.kcid.server.config.MetricsConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.ExternalTools;
import io.kcid.server.testing.Scrapes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both Prometheus endpoints end to end: a click and postbacks (one accepted, one refused) through
 * the real edge and tracking-server on a real redis-server, then each endpoint scraped over HTTP,
 * checked by {@code promtool check metrics} (Prometheus' own parser and linter), and its series
 * read. The Grafana dashboard in docs/ may only name metrics these scrapes hold.
 */
class MetricsIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();
  /** Metric names in PromQL: the families kcid, gRPC, Lettuce, the JVM and the process export. */
  private static final Pattern METRIC = Pattern.compile("\\b((?:kcid|grpc|lettuce|jvm|process|system)_[a-z0-9_]+)\\b");

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static String serverScrape;
  private static String edgeScrape;

  @BeforeAll
  static void driveTrafficAndScrape() throws Exception {
    redis = LocalRedis.startTemporary();
    KcidKeyRing keys = KcidKeyRing.generate(1);
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).macKeys(keys).accountCacheTtl(Duration.ZERO)
        .drainDelay(Duration.ZERO).metrics(new MetricsConfig("127.0.0.1", 0)).build());
    // With a spool, as deployed by default: its depth is on the dashboard.
    edge = HttpEdge.start(TestEdges.loopback(server.port())
        .spool(new SpoolConfig(keys, KcidConfig.DEFAULT_PARTITIONS,
            Files.createTempDirectory("kcid-spool"), 16L << 20, Duration.ofMillis(300), Duration.ofSeconds(30)))
        .build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    CreateAccountResponse account = AdminServiceGrpc.newBlockingStub(channel)
        .createAccount(CreateAccountRequest.newBuilder().setAccountId("metrics").build());

    Map<String, String> click = new LinkedHashMap<>();
    click.put("a", "metrics");
    click.put("c", "spring");
    click.put("u", "https://shop.example/p/1");
    HttpResponse<Void> redirect = HTTP.send(HttpRequest.newBuilder(URI.create(ClickUrlSigner.signedUrl(
        "http://127.0.0.1:" + edge.port(), click, account.getSecrets().getClickSecret()))).build(),
        HttpResponse.BodyHandlers.discarding());
    assertThat(redirect.statusCode()).isEqualTo(302);
    String kcid = redirect.headers().firstValue("Location").orElseThrow().replaceAll(".*kcid=([0-9a-z]+).*", "$1");
    String token = account.getSecrets().getPostbackToken();

    assertThat(postback(kcid, token)).isEqualTo(200);
    String forged = kcid.substring(0, kcid.length() - 1) + (kcid.endsWith("a") ? "b" : "a");
    assertThat(postback(forged, token)).isEqualTo(400);

    serverScrape = Scrapes.fetch("http://127.0.0.1:" + server.metricsPort() + "/metrics");
    edgeScrape = Scrapes.fetch("http://127.0.0.1:" + edge.adminPort() + "/metrics");
    // Kept for whoever reads a failure (and to compare with docs/operations.md).
    Files.writeString(Path.of("target", "metrics-it-server.txt"), serverScrape);
    Files.writeString(Path.of("target", "metrics-it-edge.txt"), edgeScrape);
  }

  private static int postback(String kcid, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + edge.port() + "/postback?kcid=" + kcid + "&token=" + token)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  @Test
  void bothEndpointsPassPromtool() throws Exception {
    Scrapes.assertPromtoolClean(serverScrape);
    Scrapes.assertPromtoolClean(edgeScrape);
  }

  @Test
  void theServerCountedTheClickThePostbacksAndTheirCalls() {
    // The edge redirected the click on its own (its spool is on) and the server stored its kcid.
    assertThat(Scrapes.require(serverScrape, "kcid_server_clicks_issued_total", Map.of("kind", "pre_minted")))
        .isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "kcid_server_clicks_issued_total", Map.of("kind", "minted"))).isZero();
    assertThat(Scrapes.require(serverScrape, "kcid_server_conversions_total",
        Map.of("outcome", "accepted", "reason", "none"))).isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "kcid_server_conversions_total",
        Map.of("outcome", "refused", "reason", "KCID_MAC_MISMATCH"))).isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "kcid_server_errors_total", Map.of("reason", "KCID_MAC_MISMATCH")))
        .isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "grpc_server_processing_duration_seconds_count", Map.of(
        "service", "kcid.tracking.v1.ClickService", "method", "IssueClick", "status_code", "OK"))).isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "grpc_server_processing_duration_seconds_count", Map.of(
        "service", "kcid.tracking.v1.ConversionService", "method", "RecordConversion", "status_code", "OK")))
        .isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "grpc_server_processing_duration_seconds_count", Map.of(
        "method", "RecordConversion", "status_code", "INVALID_ARGUMENT"))).isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "grpc_server_processing_duration_seconds_bucket", Map.of(
        "method", "IssueClick", "status_code", "OK", "le", "+Inf"))).isEqualTo(1);
    assertThat(Scrapes.require(serverScrape, "lettuce_command_completion_seconds_count", Map.of("command", "EVALSHA")))
        .isPositive();
    assertThat(Scrapes.require(serverScrape, "kcid_server_postback_log_write_failures_total", Map.of())).isZero();
    assertThat(Scrapes.require(serverScrape, "kcid_server_redis_wait_total", Map.of("result", "ok"))).isZero();
  }

  @Test
  void theEdgeCountedTheSameTraffic() {
    assertThat(Scrapes.require(edgeScrape, "kcid_edge_requests_total", Map.of("route", "c", "status", "302")))
        .isEqualTo(1);
    assertThat(Scrapes.require(edgeScrape, "kcid_edge_postbacks_total", Map.of("outcome", "accepted", "reason", "none")))
        .isEqualTo(1);
    assertThat(Scrapes.require(edgeScrape, "kcid_edge_postbacks_total",
        Map.of("outcome", "rejected", "reason", "KCID_MAC_MISMATCH"))).isEqualTo(1);
    assertThat(Scrapes.require(edgeScrape, "kcid_edge_backend_errors_total", Map.of("code", "UNAVAILABLE"))).isZero();
  }

  @Test
  void theDashboardNamesOnlyMetricsTheEndpointsServe() throws Exception {
    Path dashboard = ExternalTools.repositoryRoot().resolve("docs/grafana-dashboard.json");
    JsonNode json = new ObjectMapper().readTree(Files.readString(dashboard));
    Set<String> referenced = new TreeSet<>();
    json.findValues("expr").forEach(expr -> {
      Matcher m = METRIC.matcher(expr.asText());
      while (m.find()) {
        referenced.add(m.group(1));
      }
    });
    Set<String> served = new TreeSet<>();
    Scrapes.samples(serverScrape).forEach(s -> served.add(s.name()));
    Scrapes.samples(edgeScrape).forEach(s -> served.add(s.name()));

    assertThat(referenced).as("metric names in the dashboard's queries").hasSizeGreaterThan(10);
    assertThat(referenced.stream().filter(name -> !served.contains(name)).collect(Collectors.toList()))
        .as("dashboard metrics that no endpoint serves").isEmpty();
  }
}
