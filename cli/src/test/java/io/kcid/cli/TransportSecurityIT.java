package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mTLS on gRPC, HTTPS on the edge, with API keys required: a real redis-server, a
 * tracking-server and edges, certificates made by openssl for this run.
 */
class TransportSecurityIT {
  private static final String ADMIN_KEY = "admin-key-0123456789abcdefghijk";
  private static final String EDGE_KEY = "edge-key-0123456789abcdefghijkl";
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);

  @TempDir static Path dir;
  private static TestCerts certs;
  private static LocalRedis redis;
  private static TrackingServer tls;
  private static TrackingServer mtls;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCerts.create(dir);
    redis = LocalRedis.startTemporary();
    ServerSecurity security = new ServerSecurity(AuthMode.REQUIRED,
        ConfiguredApiKeys.parse("admin:admin+issue:" + ADMIN_KEY + ",edge:issue+ingest:" + EDGE_KEY), Duration.ofSeconds(5),
        certs.serverCert(), certs.serverKey(), null, 100, 100, io.kcid.server.common.IpPrivacy.truncate());
    tls = TrackingServer.start(config().security(security).build());
    mtls = TrackingServer.start(config().security(security.withTls(certs.serverCert(), certs.serverKey(), certs.ca())).build());
  }

  private static ServerConfig.Builder config() {
    return ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url()).partitions(16)
        .macKeys(KEYS).redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000)
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    tls.close();
    mtls.close();
    redis.close();
  }

  private static ManagedChannel channel(TrackingServer server, Path ca, Path cert, Path key) throws Exception {
    var ssl = GrpcSslContexts.forClient().trustManager(ca.toFile());
    if (cert != null) {
      ssl.keyManager(cert.toFile(), key.toFile());
    }
    return NettyChannelBuilder.forAddress("localhost", server.port()).sslContext(ssl.build())
        .intercept(BackendAuth.bearer(ADMIN_KEY)).build();
  }

  private static void listAccounts(ManagedChannel channel) {
    try {
      AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .listAccounts(ListAccountsRequest.getDefaultInstance());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void tlsWorksAndPlaintextToTheTlsPortFails() throws Exception {
    listAccounts(channel(tls, certs.ca(), null, null));
    ManagedChannel plaintext = NettyChannelBuilder.forAddress("localhost", tls.port()).usePlaintext()
        .intercept(BackendAuth.bearer(ADMIN_KEY)).build();
    assertThatThrownBy(() -> listAccounts(plaintext))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // A server certificate from another CA is not trusted.
    assertThatThrownBy(() -> listAccounts(channel(tls, certs.otherCa(), null, null)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void mtlsNeedsAClientCertificate() throws Exception {
    listAccounts(channel(mtls, certs.ca(), certs.clientCert(), certs.clientKey()));
    assertThatThrownBy(() -> listAccounts(channel(mtls, certs.ca(), null, null)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void theEdgeTalksMtlsWithItsKeyAndServesHttps() throws Exception {
    ManagedChannel admin = channel(mtls, certs.ca(), certs.clientCert(), certs.clientKey());
    CreateAccountResponse account;
    String kcid;
    try {
      account = AdminServiceGrpc.newBlockingStub(admin).createAccount(CreateAccountRequest.newBuilder().setDisplayName("Acme").build());
      kcid = ClickServiceGrpc.newBlockingStub(admin).issueClick(IssueClickRequest.newBuilder()
          .setAccountId(account.getAccount().getAccountId()).setCampaignId("c").build()).getClick().getKcid();
    } finally {
      admin.shutdownNow();
    }
    try (HttpEdge edge = HttpEdge.start(edgeTo(mtls).grpcTls(certs.ca(), certs.clientCert(), certs.clientKey())
        .https(certs.serverCert(), certs.serverKey()).build())) {
      HttpClient https = HttpClient.newBuilder().sslContext(trusting(certs.ca())).connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> accepted = https.send(HttpRequest.newBuilder(URI.create(
              "https://localhost:" + edge.port() + "/postback?kcid=" + kcid + "&token=" + account.getSecrets().getPostbackToken()))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
      assertThat(accepted.body()).contains("\"accepted\"");

      // Plain HTTP to the HTTPS port gets no HTTP answer.
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + edge.port() + "/healthz"))
              .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(java.io.IOException.class);
    }
    // Without its client certificate the same edge cannot reach the mTLS server: 503, never a 2xx.
    try (HttpEdge edge = HttpEdge.start(edgeTo(mtls).grpcTls(certs.ca(), null, null).build())) {
      HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
              "http://localhost:" + edge.port() + "/postback?kcid=" + kcid + "&token=" + account.getSecrets().getPostbackToken()))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).contains("BACKEND_UNAVAILABLE");
    }
  }

  /** An edge carrying the edge key in front of {@code server}, 3 s deadline, 2 workers. */
  private static EdgeConfig.Builder edgeTo(TrackingServer server) {
    return TestEdges.loopback(server.port()).callDeadline(Duration.ofSeconds(3)).workerThreads(2).apiKey(EDGE_KEY);
  }

  private static SSLContext trusting(Path ca) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(ca)) {
      store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
