package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Promise 5, bounded under overload: a flood of malformed or badly signed postbacks on a known click
 * costs no Redis command (counted with Redis's own INFO commandstats), whether or not they name
 * their account, and does not starve valid postbacks sent
 * from another address meanwhile. Real redis-server, tracking-server and edge; the edge believes
 * X-Forwarded-For from 127.0.0.1 so one test process can speak for many client addresses.
 */
class OverloadIT {
  private static final String ADMIN_KEY = "admin-key-0123456789abcdefghijk";
  private static final String EDGE_KEY = "edge-key-0123456789abcdefghijkl";
  private static final int BURST_PER_ADDRESS = 50;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static RedisClient redisClient;
  private static StatefulRedisConnection<String, String> redisConnection;
  private static CreateAccountResponse acme;
  private static String kcid;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    ServerConfig.Builder base = ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url())
        .partitions(16).macKeys(KcidKeyRing.generate(1)).redisTimeout(Duration.ofMillis(500))
        .redisQueueSize(1000).accountCacheTtl(Duration.ofMinutes(5)).streamMaxLength(10_000)
        .drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5))
        // Ingress only, delivery workers in a role of their own: their idle polling of every
        // partition is Redis work no postback caused, and would blur what this test counts.
        .delivery(new DeliveryConfig(false, DeliveryConfig.DEFAULT_MAX_AGE, List.of(), DeliveryConfig.DEFAULT_CONNECT_TIMEOUT,
            DeliveryConfig.DEFAULT_REQUEST_TIMEOUT, DeliveryConfig.DEFAULT_CONCURRENCY, DeliveryConfig.DEFAULT_LOG_RETENTION,
            DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER));
    server = TrackingServer.start(base.security(new ServerSecurity(AuthMode.REQUIRED,
        ConfiguredApiKeys.parse("admin:admin+issue:" + ADMIN_KEY + ",edge:issue+ingest:" + EDGE_KEY),
        Duration.ofMinutes(5), null, null, null, 4096, 1000, io.kcid.server.common.IpPrivacy.truncate())).build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).callDeadline(Duration.ofSeconds(5)).workerThreads(2)
        .trustedProxies(List.of("127.0.0.1")).apiKey(EDGE_KEY).postbackRates(BURST_PER_ADDRESS, 0, 1).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .intercept(BackendAuth.bearer(ADMIN_KEY)).build();
    var admin = AdminServiceGrpc.newBlockingStub(channel);
    acme = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("acme").build());
    admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId("acme").setPostbackAuth(PostbackAuth.newBuilder()
        .addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN).addMethods(PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE))
        .build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("acme").setGoalKey("view")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).build());
    kcid = ClickServiceGrpc.newBlockingStub(channel).issueClick(IssueClickRequest.newBuilder()
        .setAccountId("acme").setCampaignId("web").build()).getClick().getKcid();
    redisClient = RedisClient.create(redis.url());
    redisConnection = redisClient.connect();
  }

  @AfterAll
  static void stop() {
    redisConnection.close();
    redisClient.shutdown();
    channel.shutdownNow();
    edge.close();
    server.close();
    redis.close();
  }

  /** Commands Redis has executed, from INFO commandstats, minus the health checker's PINGs and our INFOs. */
  private static long redisCommands() {
    return commandCounts().values().stream().mapToLong(Long::longValue).sum();
  }

  /** Calls per command name, from INFO commandstats, without the health checker's PINGs and our INFOs. */
  private static Map<String, Long> commandCounts() {
    Map<String, Long> counts = new TreeMap<>();
    for (String line : redisConnection.sync().info("commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_") && !line.startsWith("cmdstat_ping:") && !line.startsWith("cmdstat_info:")) {
        String count = line.substring(line.indexOf("calls=") + 6);
        counts.put(line.substring("cmdstat_".length(), line.indexOf(':')), Long.parseLong(count.substring(0, count.indexOf(','))));
      }
    }
    return counts;
  }

  /** What ran between two {@link #commandCounts()}, for an assertion's message. */
  private static Map<String, Long> difference(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> ran = new TreeMap<>();
    after.forEach((command, calls) -> {
      long delta = calls - before.getOrDefault(command, 0L);
      if (delta != 0) {
        ran.put(command, delta);
      }
    });
    return ran;
  }

  private static CompletableFuture<HttpResponse<String>> send(String query, String address, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/postback?" + query))
        .timeout(Duration.ofSeconds(20)).header("X-Forwarded-For", address);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A well-formed X-Kcid-Signature over the query, signed with the wrong secret. */
  private static String forgedSignature(String query) {
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      parameters.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    return PostbackSigner.header("pbs_not-the-accounts-secret", System.currentTimeMillis() / 1000,
        PostbackSigner.queryPayload(parameters));
  }

  private static List<CompletableFuture<HttpResponse<String>>> flood(int count, String... addresses) {
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String address = addresses[i % addresses.length];
      // A third names the account, a third lets the click say whose it is, a third is malformed.
      String query = "kcid=" + kcid + (i % 3 == 1 ? "&a=acme" : "") + "&goal=view&txid=flood-" + i;
      answers.add(i % 3 == 0
          ? send(query, address, "X-Kcid-Signature", "t=1,v1=not-a-signature")
          : send(query, address, "X-Kcid-Signature", forgedSignature(query)));
    }
    return answers;
  }

  /**
   * Sampled postback-log entries of a flood lasting {@code seconds}: per log a burst of 5, then one
   * a second; the flood lands in at most two logs (the named account's and the unattributed one), at
   * about 10 Redis commands each (the two scripts and the commands they run). Unsampled, 300
   * postbacks cost about 1600. The time term matters on a loaded CI machine, where the flood that
   * takes 0.2 s on an idle one can take several seconds.
   */
  private static long sampledLogWritesBound(long nanos) {
    long seconds = (nanos + 999_999_999L) / 1_000_000_000L;
    return 2 * (5 + seconds + 1) * 10;
  }

  @Test
  void aFloodOfBadSignaturesCostsAtMostASampleOfLogWrites() throws Exception {
    // Warm the caches the way real traffic would: one valid signed postback (its click's owner, then the account).
    String valid = "kcid=" + kcid + "&goal=view&txid=warm";
    Map<String, String> parameters = new LinkedHashMap<>();
    for (String pair : valid.split("&")) {
      parameters.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
    }
    String header = PostbackSigner.header(acme.getSecrets().getPostbackSigningSecret(), System.currentTimeMillis() / 1000,
        PostbackSigner.queryPayload(parameters));
    long beforeWarm = redisCommands();
    HttpResponse<String> warm = send(valid, "192.0.2.1", "X-Kcid-Signature", header).get();
    assertThat(warm.statusCode()).as(warm.body()).isEqualTo(200);
    assertThat(redisCommands() - beforeWarm).as("the counter sees a recorded postback's commands").isPositive();

    Map<String, Long> before = commandCounts();
    long started = System.nanoTime();
    // 300 postbacks over 10 addresses: under every address's burst, so all of them reach their verdict.
    String[] addresses = new String[10];
    for (int i = 0; i < addresses.length; i++) {
      addresses[i] = "198.51.100." + (i + 1);
    }
    List<CompletableFuture<HttpResponse<String>>> answers = flood(300, addresses);
    int malformedAtTheEdge = 0;
    int forgedAtTheServer = 0;
    for (CompletableFuture<HttpResponse<String>> answer : answers) {
      HttpResponse<String> response = answer.get();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
      assertThat(response.body()).contains("POSTBACK_SIGNATURE_INVALID");
      if (response.body().contains("expected 't=")) {
        malformedAtTheEdge++;
      } else {
        forgedAtTheServer++;
      }
    }
    long elapsed = System.nanoTime() - started;
    Map<String, Long> ran = difference(before, commandCounts());
    assertThat(malformedAtTheEdge).isEqualTo(100);
    assertThat(forgedAtTheServer).isEqualTo(200);
    // The forged ones name one account: its postback log keeps a sample of such refusals (a burst
    // of 5, then one a second per server), so the flood's cost is bounded, not proportional.
    assertThat(ran.values().stream().mapToLong(Long::longValue).sum())
        .as("Redis commands caused by 300 bad postbacks in %d ms: %s", elapsed / 1_000_000, ran)
        .isLessThanOrEqualTo(sampledLogWritesBound(elapsed));
  }

  @Test
  void aFloodFromOneAddressDoesNotStarveValidPostbacksFromAnother() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> flood = flood(400, "203.0.113.66");
    List<CompletableFuture<HttpResponse<String>>> valid = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      valid.add(send("kcid=" + kcid + "&goal=view&txid=valid-" + i, "192.0.2.20",
          "Authorization", "Bearer " + acme.getSecrets().getPostbackToken()));
    }
    for (CompletableFuture<HttpResponse<String>> answer : valid) {
      HttpResponse<String> response = answer.get();
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).contains("\"accepted\"");
    }
    int limited = 0;
    for (CompletableFuture<HttpResponse<String>> answer : flood) {
      HttpResponse<String> response = answer.get();
      assertThat(response.statusCode()).as(response.body()).isIn(401, 429);
      if (response.statusCode() == 429) {
        limited++;
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
      }
    }
    // The address's burst is 50 (plus what refills while the flood lasts): most of the 400 were refused at the edge.
    assertThat(limited).isGreaterThan(200);
  }
}
