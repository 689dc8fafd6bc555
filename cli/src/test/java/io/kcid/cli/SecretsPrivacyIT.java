package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ApiKeyRole;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateApiKeyRequest;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.RotateAccountSecretRequest;
import io.kcid.proto.tracking.v1.SecretKind;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Promise 8, secrets and privacy, over a whole run of tracking-server and edge with the shipped
 * logging configuration and the root logger at DEBUG: no token, click secret, signing secret, API
 * key or signature appears in any log line or in /metrics; no token or API key is stored in Redis
 * (digests only); and the client's IP address is stored nowhere in full.
 */
class SecretsPrivacyIT {
  private static final String ADMIN_KEY = "admin-key-0123456789abcdefghijk";
  private static final String EDGE_KEY = "edge-key-0123456789abcdefghijkl";
  private static final String CLIENT_IP = "203.0.113.77";
  private static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(5)).build();

  private final List<String> secrets = new ArrayList<>(List.of(ADMIN_KEY, EDGE_KEY));

  @Test
  void noSecretReachesALogLineAMetricOrRedis() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    // Our code and the libraries (gRPC, Netty, Lettuce) all at DEBUG; only what the shipped logback.xml
    // pins below every level (gRPC's HTTP/2 frame dumps) stays quiet.
    List<Logger> loud = List.of(root, (Logger) LoggerFactory.getLogger("io.kcid"), (Logger) LoggerFactory.getLogger("io.grpc"),
        (Logger) LoggerFactory.getLogger("io.netty"), (Logger) LoggerFactory.getLogger("io.lettuce"));
    List<Level> levels = loud.stream().map(Logger::getLevel).toList();
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.setContext(root.getLoggerContext());
    logs.start();
    root.addAppender(logs);
    loud.forEach(logger -> logger.setLevel(Level.DEBUG));
    String metrics;
    List<String> redisContents;
    try (LocalRedis redis = LocalRedis.startTemporary()) {
      ServerConfig.Builder base = ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
          .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
          .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
          .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5));
      TrackingServer server = TrackingServer.start(base.security(new ServerSecurity(AuthMode.REQUIRED,
          ConfiguredApiKeys.parse("admin:admin+issue+read:" + ADMIN_KEY + ",edge:issue+ingest:" + EDGE_KEY),
          Duration.ofSeconds(5), null, null, null, 4096, 1000, io.kcid.server.common.IpPrivacy.truncate())).build());
      HttpEdge edge = HttpEdge.start(TestEdges.loopback(server.port()).callDeadline(Duration.ofSeconds(5)).workerThreads(2)
          .trustedProxies(List.of("127.0.0.1")).apiKey(EDGE_KEY).build());
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
          .intercept(BackendAuth.bearer(ADMIN_KEY)).build();
      try {
        metrics = exercise(edge, channel);
        redisContents = everything(redis.url());
      } finally {
        channel.shutdownNow();
        edge.close();
        server.close();
      }
    } finally {
      root.detachAppender(logs);
      for (int i = 0; i < loud.size(); i++) {
        loud.get(i).setLevel(levels.get(i));
      }
    }

    List<String> lines = new ArrayList<>();
    for (ILoggingEvent event : logs.list) {
      lines.add(event.getLoggerName() + " " + event.getFormattedMessage()
          + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy())));
    }
    assertThat(lines).as("the run logged").hasSizeGreaterThan(100);
    assertThat(String.join("\n", lines)).as("every log line").contains("kcid").doesNotContain(secrets);
    assertThat(metrics).as("/metrics").contains("kcid_edge_postbacks_total").doesNotContain(secrets);

    String stored = String.join("\n", redisContents);
    // Click and signing secrets are HMAC keys and must be kept; tokens and API keys only as digests.
    assertThat(stored).doesNotContain(ADMIN_KEY, EDGE_KEY);
    assertThat(secrets.stream().filter(s -> s.startsWith("pbt_") || s.startsWith("kak_")).toList())
        .hasSize(5).noneMatch(stored::contains);
    assertThat(stored).as("the client's full IP address").doesNotContain(CLIENT_IP);
  }

  /** A run touching every secret: accounts, rotation, API keys, clicks, every kind of postback. */
  private String exercise(HttpEdge edge, ManagedChannel channel) throws Exception {
    var admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    CreateAccountResponse acme = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("acme").build());
    String token = acme.getSecrets().getPostbackToken();
    String clickSecret = acme.getSecrets().getClickSecret();
    String signingSecret = acme.getSecrets().getPostbackSigningSecret();
    secrets.addAll(List.of(token, clickSecret, signingSecret));
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("acme").setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE))
        .build());
    String rotated = admin.rotateAccountSecret(RotateAccountSecretRequest.newBuilder().setAccountId("acme")
        .setKind(SecretKind.SECRET_KIND_POSTBACK_TOKEN).build()).getSecrets().getPostbackToken();
    secrets.add(rotated);
    String apiKey = admin.createApiKey(CreateApiKeyRequest.newBuilder().setName("reporting")
        .addRoles(ApiKeyRole.API_KEY_ROLE_READ).build()).getSecret();
    secrets.add(apiKey);
    String base = "http://127.0.0.1:" + edge.port();

    // A click through the edge.
    Map<String, String> click = new LinkedHashMap<>();
    click.put("a", "acme");
    click.put("c", "spring");
    click.put("u", "https://shop.example/landing");
    String url = ClickUrlSigner.signedUrl(base, click, clickSecret);
    secrets.add(url.substring(url.indexOf("sig=") + 4));
    HttpResponse<String> redirect = get(url);
    assertThat(redirect.statusCode()).as(redirect.body()).isEqualTo(302);
    String location = redirect.headers().firstValue("Location").orElseThrow();
    String kcid = location.substring(location.indexOf("kcid=") + 5);

    // Postbacks: token in the query, Bearer, the previous token, a wrong token, signed GET and POST, a bad signature, a batch.
    assertThat(get(base + "/postback?kcid=" + kcid + "&txid=q1&token=" + rotated).statusCode()).isEqualTo(200);
    assertThat(get(base + "/postback?kcid=" + kcid + "&txid=b1", "Authorization", "Bearer " + rotated).statusCode()).isEqualTo(200);
    assertThat(get(base + "/postback?kcid=" + kcid + "&txid=p1&token=" + token).statusCode()).isEqualTo(200);
    String wrong = "pbt_wrong-token-that-nobody-has-0123456789ABC";
    secrets.add(wrong);
    assertThat(get(base + "/postback?kcid=" + kcid + "&token=" + wrong).statusCode()).isEqualTo(401);
    String query = "kcid=" + kcid + "&a=acme&txid=s1";
    Map<String, String> signed = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      signed.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    long now = System.currentTimeMillis() / 1000;
    String header = PostbackSigner.header(signingSecret, now, PostbackSigner.queryPayload(signed));
    secrets.add(PostbackSigner.sign(signingSecret, now, PostbackSigner.queryPayload(signed)));
    assertThat(get(base + "/postback?" + query, "X-Kcid-Signature", header).statusCode()).isEqualTo(200);
    String forged = PostbackSigner.header("pbs_forged-secret", now, PostbackSigner.queryPayload(signed));
    secrets.add(forged.substring(forged.indexOf("v1=") + 3));
    assertThat(get(base + "/postback?" + query, "X-Kcid-Signature", forged).statusCode()).isEqualTo(401);
    String body = "{\"kcid\":\"" + kcid + "\",\"a\":\"acme\",\"txid\":\"s2\"}";
    String bodySignature = PostbackSigner.sign(signingSecret, now, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    secrets.add(bodySignature);
    HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/postback"))
        .header("Content-Type", "application/json").header("X-Forwarded-For", CLIENT_IP)
        .header("X-Kcid-Signature", "t=" + now + ",v1=" + bodySignature)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).as(post.body()).isEqualTo(200);
    HttpResponse<String> batch = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/postbacks?token=" + rotated))
        .header("Content-Type", "application/json").header("X-Forwarded-For", CLIENT_IP)
        .POST(HttpRequest.BodyPublishers.ofString("[{\"kcid\":\"" + kcid + "\",\"txid\":\"x1\"},{\"kcid\":\"bogus\"}]")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);

    // gRPC callers with a wrong key and with a key lacking the role.
    ManagedChannel wrongKey = NettyChannelBuilder.forAddress("127.0.0.1", channel.authority().contains(":")
        ? Integer.parseInt(channel.authority().substring(channel.authority().lastIndexOf(':') + 1)) : 0)
        .usePlaintext().intercept(BackendAuth.bearer("kak_wrong-key-0123456789abcdefghij")).build();
    secrets.add("kak_wrong-key-0123456789abcdefghij");
    try {
      assertThatThrownBy(() -> AdminServiceGrpc.newBlockingStub(wrongKey).withDeadlineAfter(5, TimeUnit.SECONDS)
          .listAccounts(ListAccountsRequest.getDefaultInstance())).hasMessageContaining("UNAUTHENTICATED");
    } finally {
      wrongKey.shutdownNow();
    }
    // Erasure, then the metrics page.
    ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .deleteClick(DeleteClickRequest.newBuilder().setKcid(kcid).build());
    return get("http://127.0.0.1:" + edge.adminPort() + "/metrics").body(); // the admin listener
  }

  private static HttpResponse<String> get(String url, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("X-Forwarded-For", CLIENT_IP);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every key of Redis with its contents, as text. */
  private static List<String> everything(String redisUrl) {
    RedisClient client = RedisClient.create(redisUrl);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      List<String> dump = new ArrayList<>();
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.limit(500));
        for (String key : page.getKeys()) {
          Object value = switch (redis.type(key)) {
            case "string" -> redis.get(key);
            case "hash" -> redis.hgetall(key);
            case "list" -> redis.lrange(key, 0, -1);
            case "set" -> redis.smembers(key);
            case "zset" -> redis.zrange(key, 0, -1);
            case "stream" -> redis.xrange(key, Range.create("-", "+"));
            default -> "?";
          };
          dump.add(key + " = " + value);
        }
        cursor = page;
      } while (!cursor.isFinished());
      assertThat(dump).as("Redis holds the run's data").hasSizeGreaterThan(5);
      return dump;
    } finally {
      client.shutdown();
    }
  }
}
