package io.kcid.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.spool.ClickSpool;
import io.kcid.faults.testing.FaultProxy;
import io.kcid.faults.testing.Http;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.server.TrackingServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 3, clicks never fail: with the tracking-server slow (2 s of latency), stopped and
 * restarting, {@code GET /c} still answers 302 to the destination within the click deadline (300 ms,
 * asserted with generous slack), and every click is kept: after recovery the number of clicks stored
 * equals the number of redirects served, each under the kcid the user was redirected with. While the
 * server is away, postbacks get 503 with Retry-After and a click URL the edge cannot verify gets 503
 * and no Location. A second scenario kills the edge with SIGKILL while it holds spooled clicks.
 */
class ClicksNeverFailIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final Duration CLICK_DEADLINE = Duration.ofMillis(300);
  /** The deadline plus room for an fsync and a loaded 2-core machine; a slow server takes 2000 ms. */
  private static final long MAX_CLICK_MILLIS = 1200;

  @TempDir Path dir;

  record Click(String phase, Http.Answer answer) {}

  private static String signedUrl(String edgeBase, CreateAccountResponse account, String campaign) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("a", account.getAccount().getAccountId());
    params.put("c", campaign);
    params.put("s1", "pub-42");
    params.put("u", "https://shop.example/landing?ref=ad");
    return ClickUrlSigner.signedUrl(edgeBase, params, account.getSecrets().getClickSecret());
  }

  private static String kcidOf(Http.Answer answer) {
    String location = answer.location().orElseThrow();
    return location.substring(location.indexOf("kcid=") + 5);
  }

  @Test
  void slowStoppedAndRestartingServerStillRedirectsEveryClickAndKeepsIt() throws Exception {
    try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"), false)) {
      int serverPort = Stack.freePort();
      AtomicReference<TrackingServer> server = new AtomicReference<>(Stack.server(redis.url(), KEYS, serverPort, Duration.ofMillis(200)));
      FaultProxy toServer = FaultProxy.start("127.0.0.1", serverPort);
      HttpEdge edge = Stack.spoolingEdge(toServer.address(), 0, KEYS, dir.resolve("spool"), CLICK_DEADLINE, Duration.ZERO);
      ManagedChannel channel = Stack.channel(serverPort);
      String base = "http://127.0.0.1:" + edge.port();
      try {
        CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
        String url = signedUrl(base, account, "spring");
        awaitTrue(() -> edge.clickSpool().degraded().ready(), "the edge holds the account's click secret");

        List<Click> clicks = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<String> phase = new AtomicReference<>("normal");
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clickers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          Thread clicker = new Thread(() -> {
            while (running.get()) {
              String now = phase.get();
              clicks.add(new Click(now, Http.get(url)));
              Stack.sleep(20);
            }
          }, "clicker-" + t);
          clicker.start();
          clickers.add(clicker);
        }
        Stack.sleep(1500);
        phase.set("slow");
        toServer.latency(Duration.ofMillis(2000));
        Stack.sleep(2500);
        phase.set("stopped");
        toServer.pass();
        server.get().close();
        Stack.sleep(500);
        Http.Answer postback = Http.get(base + "/postback?kcid=" + kcidOf(clicks.get(0).answer()) + "&goal=sale&token="
            + account.getSecrets().getPostbackToken());
        Http.Answer tampered = Http.get(url.replace("spring", "autumn"));
        Stack.sleep(1500);
        phase.set("restarting");
        server.set(Stack.server(redis.url(), KEYS, serverPort, Duration.ofMillis(200)));
        Stack.sleep(1500);
        phase.set("back");
        Stack.sleep(500);
        running.set(false);
        for (Thread clicker : clickers) {
          clicker.join();
        }

        assertThat(postback.status()).as(postback.body()).isEqualTo(503);
        assertThat(postback.retryAfter()).isPresent();
        assertThat(tampered.status()).as(tampered.body()).isEqualTo(503);
        assertThat(tampered.location()).isEmpty();

        Map<String, Integer> byPhase = new TreeMap<>();
        clicks.forEach(c -> byPhase.merge(c.phase() + ":" + c.answer().status(), 1, Integer::sum));
        assertThat(clicks).as("every click answered 302: " + byPhase).allSatisfy(c -> {
          assertThat(c.answer().status()).as(c.phase() + " " + c.answer().body()).isEqualTo(302);
          URI location = URI.create(c.answer().location().orElseThrow());
          assertThat(location.getHost()).isEqualTo("shop.example");
          assertThat(location.getQuery()).startsWith("ref=ad&kcid=");
        });
        long slowest = clicks.stream().mapToLong(c -> c.answer().nanos()).max().orElseThrow();
        assertThat(TimeUnit.NANOSECONDS.toMillis(slowest)).as("slowest click, ms").isLessThan(MAX_CLICK_MILLIS);
        for (String p : List.of("normal", "slow", "stopped", "restarting")) {
          assertThat(byPhase).as("clicks during " + p).containsKey(p + ":302");
        }

        Set<String> kcids = new HashSet<>();
        clicks.forEach(c -> kcids.add(kcidOf(c.answer())));
        assertThat(kcids).as("one kcid per redirect").hasSize(clicks.size());

        ClickSpool spool = edge.clickSpool().spool();
        awaitTrue(() -> spool.bytes() == 0 && !spool.activeHasRecords(), "the spool drained into the tracking-server");
        assertThat(scrape("http://127.0.0.1:" + edge.adminPort())).contains("kcid_edge_clicks_spooled_total")
            // Every reason's series exists from the start, at zero: none may have moved.
            .doesNotContainPattern("kcid_edge_clicks_replay_dropped_total\\{[^}]*} [1-9]");
        assertThat(storedClickKeys(redis)).as("clicks stored == redirects served").isEqualTo(clicks.size());
        ClickServiceGrpc.ClickServiceBlockingStub reader = ClickServiceGrpc.newBlockingStub(channel);
        for (String kcid : kcids) {
          assertThat(reader.withDeadlineAfter(5, TimeUnit.SECONDS).getClick(GetClickRequest.newBuilder().setKcid(kcid).build())
              .getClick().getCampaignId()).isEqualTo("spring");
        }
        System.out.printf("promise 3: clicks by phase %s, slowest %d ms, stored %d%n",
            byPhase, TimeUnit.NANOSECONDS.toMillis(slowest), kcids.size());
      } finally {
        channel.shutdownNow();
        edge.close();
        toServer.close();
        server.get().close();
      }
    }
  }

  /**
   * The spool is on disk before the 302 leaves: clicks redirected while the server is down survive a
   * SIGKILL of the edge process and are stored once a new edge process starts on the same spool.
   */
  @Test
  void clicksSpooledByAnEdgeKilledWithSigkillAreStoredByItsSuccessor() throws Exception {
    try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"), false)) {
      int serverPort = Stack.freePort();
      TrackingServer server = Stack.server(redis.url(), KEYS, serverPort, Duration.ZERO);
      ManagedChannel channel = Stack.channel(serverPort);
      int edgePort = Stack.freePort();
      int adminPort = Stack.freePort();
      Path spoolDir = dir.resolve("edge-spool");
      Process edge = startEdgeProcess(edgePort, adminPort, serverPort, spoolDir);
      String base = "http://127.0.0.1:" + edgePort;
      String admin = "http://127.0.0.1:" + adminPort; // /metrics is on the admin listener
      try {
        CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
        awaitTrue(() -> verifierAccounts(admin) >= 1, "the edge process holds the account's click secret");
        server.close();

        List<String> kcids = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
          Http.Answer answer = Http.get(signedUrl(base, account, "c" + i));
          assertThat(answer.status()).as(answer.body()).isEqualTo(302);
          kcids.add(kcidOf(answer));
        }
        edge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        try (var files = Files.list(spoolDir)) {
          assertThat(files.filter(f -> f.toString().endsWith(".spool"))).as("segments left by the killed edge").isNotEmpty();
        }

        server = Stack.server(redis.url(), KEYS, serverPort, Duration.ZERO);
        edge = startEdgeProcess(edgePort, adminPort, serverPort, spoolDir);
        ClickServiceGrpc.ClickServiceBlockingStub reader = ClickServiceGrpc.newBlockingStub(channel);
        awaitTrue(() -> kcids.stream().allMatch(k -> exists(reader, k)), "every spooled click stored after the restart");
        assertThat(storedClickKeys(redis)).isEqualTo(kcids.size());
        for (int i = 0; i < kcids.size(); i++) {
          assertThat(reader.getClick(GetClickRequest.newBuilder().setKcid(kcids.get(i)).build()).getClick().getCampaignId())
              .isEqualTo("c" + i);
        }
      } finally {
        edge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        channel.shutdownNow();
        server.close();
      }
    }
  }

  private Process startEdgeProcess(int edgePort, int adminPort, int serverPort, Path spoolDir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"), "io.kcid.edge.EdgeMain")
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("edge.log").toFile()));
    Map<String, String> env = builder.environment();
    env.put("KCID_EDGE_PORT", Integer.toString(edgePort));
    env.put("KCID_EDGE_BIND", "127.0.0.1");
    env.put("KCID_EDGE_ADMIN_PORT", Integer.toString(adminPort));
    env.put("KCID_GRPC_ADDR", "127.0.0.1:" + serverPort);
    env.put("KCID_EDGE_SPOOL_DIR", spoolDir.toString());
    env.put("KCID_MAC_KEYS", KEYS.toSpec());
    env.put("KCID_PARTITIONS", Integer.toString(Stack.PARTITIONS));
    env.put("KCID_EDGE_CLICK_DEADLINE_MS", "300");
    env.put("KCID_EDGE_VERIFIER_REFRESH_MS", "300");
    env.put("KCID_EDGE_DRAIN_DELAY_MS", "0");
    Process process = builder.start();
    awaitTrue(() -> Http.get("http://127.0.0.1:" + edgePort + "/healthz").status() == 200,
        "the edge process listens (log: " + dir.resolve("edge.log") + ")");
    return process;
  }

  private static boolean exists(ClickServiceGrpc.ClickServiceBlockingStub reader, String kcid) {
    try {
      reader.withDeadlineAfter(2, TimeUnit.SECONDS).getClick(GetClickRequest.newBuilder().setKcid(kcid).build());
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** {@code /metrics} of the edge whose admin listener is at {@code adminBase}. */
  private static String scrape(String adminBase) {
    return Http.get(adminBase + "/metrics").body();
  }

  private static double verifierAccounts(String adminBase) {
    for (String line : scrape(adminBase).split("\n")) {
      if (line.startsWith("kcid_edge_click_verifiers_accounts ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    return 0;
  }

  private static long storedClickKeys(RedisProcess redis) {
    RedisClient client = RedisClient.create(redis.url());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      // Clicks are fields of the buckets kc:{p}:k:<hour>:<b> (headers are kc:{p}:k:<hour>).
      return c.sync().keys("kc:{*}:k:*:*").stream().mapToLong(bucket -> c.sync().hlen(bucket)).sum();
    } finally {
      client.shutdown();
    }
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Stack.sleep(50);
    }
  }
}
