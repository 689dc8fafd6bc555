package io.kcid.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What the web view's action tests run against: a real redis-server, a tracking-server that requires
 * API keys (and may deliver to loopback receivers), and an edge with the view on.
 */
final class WebViewFixture implements AutoCloseable {
  static final String SETUP_KEY = "setup-key-0123456789abcdefghijk";
  static final String EDGE_KEY = "edge-key-0123456789abcdefghijkl";
  /** A platform key with the read and admin roles: may see and change everything. */
  static final String OPS_KEY = "ops-key-0123456789abcdefghijklm";
  /** A platform key with the read role only: may see, may not change. */
  static final String READ_KEY = "read-key-0123456789abcdefghijkl";
  /** The edge's configured admin key (it signs in as a platform caller; read role only here). */
  static final String VIEW_KEY = "view-key-0123456789abcdefghijkl";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final TestRedis redis;
  final TrackingServer server;
  final HttpEdge edge;
  final ManagedChannel channel;
  final AdminServiceGrpc.AdminServiceBlockingStub admin;
  final DeliveryServiceGrpc.DeliveryServiceBlockingStub deliveries;
  final DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;
  private final ClickServiceGrpc.ClickServiceBlockingStub clicks;

  WebViewFixture() {
    this(Topology.STANDALONE);
  }

  /** The server on {@code topology}'s Redis: the view's actions hold on a Cluster as on one node. */
  WebViewFixture(Topology topology) {
    redis = topology.start();
    ServerConfig.Builder base = ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url())
        .partitions(16).macKeys(KcidKeyRing.generate(1)).redisTimeout(Duration.ofSeconds(2)).redisQueueSize(1000)
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5))
        // The tests' receivers listen on loopback, an internal address refused by default.
        .delivery(new DeliveryConfig(true, DeliveryConfig.DEFAULT_MAX_AGE, List.of("127.0.0.1/32"),
            DeliveryConfig.DEFAULT_CONNECT_TIMEOUT, DeliveryConfig.DEFAULT_REQUEST_TIMEOUT, DeliveryConfig.DEFAULT_CONCURRENCY,
            DeliveryConfig.DEFAULT_LOG_RETENTION, DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER));
    server = TrackingServer.start(base.security(new ServerSecurity(AuthMode.REQUIRED,
        ConfiguredApiKeys.parse("setup:admin+issue+read:" + SETUP_KEY + ",edge:issue+ingest:" + EDGE_KEY + ",ops:read+admin:" + OPS_KEY
            + ",view:read:" + VIEW_KEY + ",reader:read:" + READ_KEY),
        Duration.ofMinutes(5), null, null, null, 4096, 1000, io.kcid.server.common.IpPrivacy.truncate())).build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).callDeadline(Duration.ofSeconds(5)).workerThreads(2)
        .apiKey(EDGE_KEY).adminKey(VIEW_KEY).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .intercept(BackendAuth.bearer(SETUP_KEY)).build();
    admin = AdminServiceGrpc.newBlockingStub(channel);
    deliveries = DeliveryServiceGrpc.newBlockingStub(channel);
    diagnostics = DiagnosticsServiceGrpc.newBlockingStub(channel);
    clicks = ClickServiceGrpc.newBlockingStub(channel);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  /** An account of {@code partner} (empty: the default) with a goal "sale"; returns its postback token. */
  String account(String id, String partner) {
    String token = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).setPartnerId(partner).build())
        .getSecrets().getPostbackToken();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    return token;
  }

  void partner(String id) {
    PartnerServiceGrpc.newBlockingStub(channel).createPartner(CreatePartnerRequest.newBuilder().setPartnerId(id).build());
  }

  /** A stored key with the given roles, scoped to {@code partner} (empty: platform); returns its secret. */
  String key(String name, String partner, ApiKeyRole... roles) {
    CreateApiKeyRequest.Builder request = CreateApiKeyRequest.newBuilder().setName(name).setPartnerId(partner);
    for (ApiKeyRole role : roles) {
      request.addRoles(role);
    }
    return admin.createApiKey(request.build()).getSecret();
  }

  String click(String account) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("web").build()).getClick().getKcid();
  }

  HttpResponse<String> postback(String kcid, String goal, String token, String status) throws Exception {
    String query = "kcid=" + enc(kcid) + "&goal=" + enc(goal) + "&token=" + enc(token) + (status == null ? "" : "&status=" + enc(status));
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback?" + query)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The web view's address (the edge's admin listener). */
  String view(String path) {
    return "http://127.0.0.1:" + edge.adminPort() + path;
  }

  /** A program on PATH under one of {@code names} (Debian's {@code debianPackage}); the test cannot run without it. */
  static String executable(String debianPackage, String... names) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : names) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Path.of(dir, name).toString();
        }
      }
    }
    throw new AssertionError(String.join("/", names) + " is required for this test and was not found on PATH: install Debian's "
        + debianPackage + " package (apt-get install -y chromium chromium-driver); ./kcid test does this");
  }

  static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
