package io.kcid.faults.attacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.core.postback.PostbackSigner;
import io.kcid.edge.HttpEdge;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RefusalCount;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.postback.SenderRefusals;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack 9 of issue 12, through the real edge, tracking-server and redis-server: anyone who has
 * one of an account's kcids (a click on its ad) can send postbacks without credentials or with a
 * forged signature. Such refusals used to be written to the account's postback log, a bounded
 * stream, so a flood pushed out what the advertiser really sent. Now they are kept apart (a small
 * sampled stream per account) and counted by reason, and the account's log survives any flood.
 *
 * <p>The server runs with the smallest postback log cap (1000) and Redis with one entry per stream
 * node, so that the log's approximate trim is exact: one unauthenticated entry in a full log would
 * evict an authenticated one. The flood is bounded (3000 requests on loopback, 4 in flight).
 */
class PostbackLogFloodIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final int LOG_CAP = 1000;
  private static final int BATCH = 20;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir static Path dir;
  private static RedisProcess redis;
  private static RedisClient rawClient;
  private static StatefulRedisConnection<String, String> raw;
  private static TrackingServer server;
  private static HttpEdge edge;
  private static ManagedChannel channel;
  private static DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;

  @BeforeAll
  static void start() {
    redis = RedisProcess.start(dir.resolve("redis"), false);
    rawClient = RedisClient.create(redis.url());
    raw = rawClient.connect(StringCodec.UTF8);
    raw.sync().configSet("stream-node-max-entries", "1");
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(Stack.PARTITIONS).macKeys(KEYS).redisTimeout(Duration.ofMillis(500))
        .redisQueueSize(10_000).accountCacheTtl(Duration.ofMillis(200)).streamMaxLength(100_000)
        .drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).postbackLogMaxLength(LOG_CAP)
        .build());
    edge = Stack.edge("127.0.0.1:" + server.port(), 0, Duration.ofMillis(1500));
    channel = Stack.channel(server.port());
    diagnostics = DiagnosticsServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (edge != null) {
      edge.close();
    }
    if (server != null) {
      server.close();
    }
    if (raw != null) {
      raw.close();
      rawClient.shutdown();
    }
    if (redis != null) {
      redis.close();
    }
  }

  /** Retries the assertion for up to 30 s: log writes and counter flushes are not awaited by the answers. */
  private static void eventually(Runnable assertion) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Stack.sleep(200);
      }
    }
  }

  private static String click(String account) {
    return ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("ads").build()).getClick().getKcid();
  }

  private static String base() {
    return "http://127.0.0.1:" + edge.port();
  }

  /** Sends all requests, at most {@code parallel} in flight; returns "status body" per request, in order. */
  private static List<String> send(List<HttpRequest> requests, int parallel) {
    Semaphore inFlight = new Semaphore(parallel);
    List<CompletableFuture<String>> answers = new ArrayList<>();
    for (HttpRequest request : requests) {
      inFlight.acquireUninterruptibly();
      answers.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .thenApply(r -> r.statusCode() + " " + r.body())
          .whenComplete((s, f) -> inFlight.release()));
    }
    return answers.stream().map(CompletableFuture::join).toList();
  }

  /**
   * Authenticated: the account's token, in batches through {@code /postbacks}, one at a time (small
   * enough that a loaded test machine stays within the edge's call deadline).
   */
  private static void authentic(CreateAccountResponse account, String kcid, int n) {
    List<HttpRequest> batches = new ArrayList<>();
    for (int from = 0; from < n; from += BATCH) {
      StringBuilder body = new StringBuilder("[");
      for (int i = from; i < Math.min(n, from + BATCH); i++) {
        body.append(i == from ? "" : ",").append("{\"kcid\":\"").append(kcid).append("\",\"goal\":\"sale\",\"txid\":\"real-")
            .append(i).append("\"}");
      }
      batches.add(HttpRequest.newBuilder(URI.create(base() + "/postbacks")).timeout(Duration.ofSeconds(30))
          .header("Authorization", "Bearer " + account.getSecrets().getPostbackToken())
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.append("]").toString())).build());
    }
    assertThat(send(batches, 1)).allSatisfy(answer -> assertThat(answer).startsWith("200 "));
  }

  /**
   * Unauthenticated: on the account's own click, every third without credentials, every third
   * with a forged signature, every third with a guessed token.
   */
  private static List<HttpRequest> forged(String kcid, int n, String tag) {
    long now = System.currentTimeMillis() / 1000;
    List<HttpRequest> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, String> query = new LinkedHashMap<>();
      query.put("kcid", kcid);
      query.put("goal", "sale");
      query.put("txid", tag + "-" + i);
      query.put("amount", "5000.00");
      String url = base() + "/postback?" + query.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining("&"));
      HttpRequest.Builder request;
      if (i % 3 == 0) {
        request = HttpRequest.newBuilder(URI.create(url));
      } else if (i % 3 == 1) {
        request = HttpRequest.newBuilder(URI.create(url))
            .header("X-Kcid-Signature", PostbackSigner.header("guessed-secret-" + i, now, PostbackSigner.queryPayload(query)));
      } else {
        request = HttpRequest.newBuilder(URI.create(url + "&token=pbt_guessed-" + i));
      }
      requests.add(request.timeout(Duration.ofSeconds(30)).GET().build());
    }
    return requests;
  }

  private static List<PostbackLogEntry> all(ListPostbacksRequest.Builder request) {
    List<PostbackLogEntry> entries = new ArrayList<>();
    String token = "";
    do {
      ListPostbacksResponse page = diagnostics.withDeadlineAfter(30, TimeUnit.SECONDS)
          .listPostbacks(request.setPageSize(1000).setPageToken(token).build());
      entries.addAll(page.getEntriesList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return entries;
  }

  private static Map<ErrorReason, Long> counts(ListPostbacksRequest.Builder request) {
    return diagnostics.withDeadlineAfter(30, TimeUnit.SECONDS).listPostbacks(request.setPageToken("").build())
        .getRefusalCountsList().stream().collect(Collectors.toMap(RefusalCount::getReason, RefusalCount::getCount));
  }

  @Test
  void floodOfUnauthenticatedPostbacksDoesNotEvictAuthenticatedHistory() {
    CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK);
    String id = account.getAccount().getAccountId();
    String kcid = click(id);
    authentic(account, kcid, LOG_CAP);
    ListPostbacksRequest.Builder log = ListPostbacksRequest.newBuilder().setAccountId(id);
    eventually(() -> assertThat(all(log)).hasSize(LOG_CAP));
    Set<String> authentic = all(log).stream().map(PostbackLogEntry::getLogId).collect(Collectors.toSet());
    assertThat(all(log)).allSatisfy(e -> assertThat(e.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_ACCEPTED));

    int flood = 3 * LOG_CAP;
    assertThat(send(forged(kcid, flood, "flood"), 4)).allSatisfy(answer -> assertThat(answer).startsWith("401 "));
    // The refusals named this account (no credentials, forged signature) are all counted.
    eventually(() -> assertThat(counts(log)).containsExactlyInAnyOrderEntriesOf(Map.of(
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, (long) flood / 3,
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, (long) flood / 3)));

    List<PostbackLogEntry> after = all(log);
    assertThat(after).extracting(PostbackLogEntry::getLogId).as("every authenticated entry is still listed, nothing else")
        .containsExactlyInAnyOrderElementsOf(authentic);
    assertThat(after).allSatisfy(e -> assertThat(e.getRequest().getTransactionId()).startsWith("real-"));
    assertThat(raw.sync().xlen("kc:{a:" + id + "}:log")).isEqualTo(LOG_CAP);
  }

  @Test
  void unauthenticatedRefusalsAreStillVisibleApartAndCounted() {
    CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK);
    String id = account.getAccount().getAccountId();
    String kcid = click(id);
    authentic(account, kcid, 3);
    ListPostbacksRequest.Builder unattributed = ListPostbacksRequest.newBuilder().setUnattributed(true);
    long guessedBefore = counts(unattributed).getOrDefault(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, 0L);

    int n = 300;
    assertThat(send(forged(kcid, n, "apart"), 4)).allSatisfy(answer -> assertThat(answer).startsWith("401 "));

    ListPostbacksRequest.Builder log = ListPostbacksRequest.newBuilder().setAccountId(id);
    ListPostbacksRequest.Builder refusals = ListPostbacksRequest.newBuilder().setAccountId(id).setUnauthenticated(true);
    Map<ErrorReason, Long> expected = Map.of(
        ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, (long) n / 3,
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID, (long) n / 3);
    eventually(() -> {
      assertThat(counts(log)).containsExactlyInAnyOrderEntriesOf(expected);
      assertThat(counts(refusals)).containsExactlyInAnyOrderEntriesOf(expected);
      // Guessed tokens find no account: counted with the unattributed log's refusals.
      assertThat(counts(unattributed)).containsEntry(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, guessedBefore + n / 3);
    });

    // The account's log holds what it sent; the refusals are listed apart, as a sample.
    assertThat(all(log)).hasSize(3).allSatisfy(e -> assertThat(e.getRequest().getTransactionId()).startsWith("real-"));
    List<PostbackLogEntry> sample = all(refusals);
    assertThat(sample).isNotEmpty().hasSizeLessThan(2 * n / 3).allSatisfy(e -> {
      assertThat(e.getAccountId()).isEqualTo(id);
      assertThat(e.getOutcome()).isEqualTo(PostbackOutcome.POSTBACK_OUTCOME_REJECTED);
      assertThat(SenderRefusals.aboutSender(e.getReason())).as(e.getReason().name()).isTrue();
      assertThat(e.getRequest().getTransactionId()).startsWith("apart-");
      assertThat(e.getRequest().getValue().getAmount()).isEqualTo("5000.00");
      assertThat(e.getSourceNetwork()).isEqualTo("127.0.0.0/24");
    });
    assertThat(all(unattributed)).filteredOn(e -> e.getRequest().getTransactionId().startsWith("apart-"))
        .isNotEmpty().hasSizeLessThan(n / 3)
        .allSatisfy(e -> assertThat(e.getReason()).isEqualTo(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID));
  }
}
