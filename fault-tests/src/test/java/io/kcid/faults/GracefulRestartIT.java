package io.kcid.faults;

import static io.kcid.faults.ClicksNeverFailIT.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.spool.ClickSpool;
import io.kcid.faults.testing.Http;
import io.kcid.faults.testing.PostbackLoad;
import io.kcid.faults.testing.PostbackLoad.Postback;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.faults.testing.StoreAudit;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.server.TrackingServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 4, graceful restarts: two tracking-servers behind each edge's channel (static:/// round
 * robin with client-side health checks) and two edges behind a client that round-robins and retries,
 * all restarted one after the other under postback and click load.
 *
 * <p>Passes when each instance reported "not ready" (gRPC health NOT_SERVING, {@code /readyz} 503)
 * before it stopped accepting connections; the only failures clients saw were 503 with Retry-After
 * or a refused connection to the edge being restarted, and both were retried; every postback was
 * acknowledged and every acknowledged one is stored once; every redirected click is stored.
 */
class GracefulRestartIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final Duration DRAIN = Duration.ofMillis(500);

  @TempDir Path dir;

  @Test
  void rollingRestartsOfServersAndEdgesUnderLoadLoseNothingAcknowledged() throws Exception {
    try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"), false)) {
      int[] serverPorts = {Stack.freePort(), Stack.freePort()};
      int[] edgePorts = {Stack.freePort(), Stack.freePort()};
      TrackingServer[] servers = {
        Stack.server(redis.url(), KEYS, serverPorts[0], DRAIN), Stack.server(redis.url(), KEYS, serverPorts[1], DRAIN)
      };
      String target = "static:///127.0.0.1:" + serverPorts[0] + ",127.0.0.1:" + serverPorts[1];
      Supplier<HttpEdge> edge0 = () -> Stack.spoolingEdge(target, edgePorts[0], KEYS, dir.resolve("spool-0"), Duration.ofMillis(300), DRAIN);
      Supplier<HttpEdge> edge1 = () -> Stack.spoolingEdge(target, edgePorts[1], KEYS, dir.resolve("spool-1"), Duration.ofMillis(300), DRAIN);
      HttpEdge[] edges = {edge0.get(), edge1.get()};
      ManagedChannel channel = Stack.channel(serverPorts[1]);
      try {
        CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK);
        String accountId = account.getAccount().getAccountId();
        List<String> kcids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          kcids.add(ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c").build()).getClick().getKcid());
        }
        List<Postback> plan = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
          plan.add(new Postback(i, kcids.get(i % kcids.size()), "sale", "g" + i, (1 + i % 90) + ".00"));
        }
        Map<String, String> params = new LinkedHashMap<>();
        params.put("a", accountId);
        params.put("c", "rolling");
        params.put("u", "https://shop.example/");
        String clickQuery = ClickUrlSigner.signedUrl("", params, account.getSecrets().getClickSecret());
        awaitTrue(() -> edges[0].clickSpool().degraded().ready() && edges[1].clickSpool().degraded().ready(), "edges hold the click secret");

        // Clicks: round robin over the edges; a refused connection is retried on the other edge.
        List<Http.Answer> clickAnswers = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean clicking = new AtomicBoolean(true);
        AtomicInteger clickNumber = new AtomicInteger();
        Thread clicker = new Thread(() -> {
          while (clicking.get()) {
            Http.Answer answer;
            do {
              answer = Http.get("http://127.0.0.1:" + edgePorts[clickNumber.getAndIncrement() % 2] + clickQuery);
              clickAnswers.add(answer);
            } while (answer.status() == 0);
            Stack.sleep(25);
          }
        }, "clicker");
        clicker.start();

        List<String> restarts = new ArrayList<>();
        Map<String, List<String>> readiness = new LinkedHashMap<>();
        Thread roller = new Thread(() -> {
          for (int i = 0; i < 2; i++) {
            Stack.sleep(1500);
            int n = i;
            readiness.put("server-" + i, watchWhile(() -> grpcHealth(serverPorts[n]), () -> servers[n].close()));
            servers[i] = Stack.server(redis.url(), KEYS, serverPorts[i], DRAIN);
            restarts.add("server-" + i);
          }
          for (int i = 0; i < 2; i++) {
            Stack.sleep(1500);
            int n = i;
            readiness.put("edge-" + i, watchWhile(() -> readyz(edgePorts[n]), () -> edges[n].close()));
            edges[i] = (i == 0 ? edge0 : edge1).get();
            restarts.add("edge-" + i);
          }
        }, "roller");
        roller.start();
        PostbackLoad.History history = PostbackLoad.run(
            plan, n -> "http://127.0.0.1:" + edgePorts[n % 2], account.getSecrets().getPostbackToken(), 4, 60, Duration.ofSeconds(60));
        roller.join();
        clicking.set(false);
        clicker.join();

        assertThat(restarts).containsExactly("server-0", "server-1", "edge-0", "edge-1");
        readiness.forEach((instance, seen) -> {
          int notReady = seen.indexOf("not-ready");
          int gone = seen.indexOf("gone");
          assertThat(notReady).as(instance + " said not-ready first: " + seen).isNotNegative();
          assertThat(gone).as(instance + " stopped accepting: " + seen).isGreaterThan(notReady);
          assertThat(seen.subList(0, notReady)).as(instance + " was ready before").contains("ready");
        });

        assertThat(history.complete()).as(history.statuses().toString()).isTrue();
        assertThat(history.statuses().keySet()).as("postback answers").isSubsetOf(0, 200, 503);
        assertThat(history.attempts()).filteredOn(a -> a.status() == 503).allMatch(PostbackLoad.Attempt::retryAfter);
        List<Conversion> stored = StoreAudit.conversions(channel, kcids);
        Map<String, Long> perTx = stored.stream().collect(Collectors.groupingBy(Conversion::getTransactionId, Collectors.counting()));
        assertThat(perTx).hasSize(plan.size()).allSatisfy((tx, n) -> assertThat(n).isEqualTo(1L));
        Map<String, Conversion> byId = new HashMap<>();
        stored.forEach(c -> byId.put(c.getConversionId(), c));
        assertThat(history.acknowledged().values()).allSatisfy(a -> assertThat(byId).containsKey(a.conversionId()));

        Map<Integer, Integer> clickStatuses = new TreeMap<>();
        clickAnswers.forEach(a -> clickStatuses.merge(a.status(), 1, Integer::sum));
        assertThat(clickStatuses.keySet()).as("click answers").isSubsetOf(0, 302);
        List<String> clickKcids = clickAnswers.stream().filter(a -> a.status() == 302)
            .map(a -> a.location().orElseThrow()).map(l -> l.substring(l.indexOf("kcid=") + 5)).toList();
        for (HttpEdge edge : edges) {
          ClickSpool spool = edge.clickSpool().spool();
          awaitTrue(() -> spool.bytes() == 0 && !spool.activeHasRecords(), "spool drained");
        }
        ClickServiceGrpc.ClickServiceBlockingStub reader = ClickServiceGrpc.newBlockingStub(channel);
        for (String kcid : clickKcids) {
          assertThat(reader.withDeadlineAfter(5, TimeUnit.SECONDS).getClick(GetClickRequest.newBuilder().setKcid(kcid).build())
              .getClick().getCampaignId()).isEqualTo("rolling");
        }
        System.out.printf("promise 4: postback attempts %s, click answers %s, readiness %s%n", history.statuses(), clickStatuses, readiness);
      } finally {
        channel.shutdownNow();
        for (HttpEdge edge : edges) {
          edge.close();
        }
        for (TrackingServer server : servers) {
          server.close();
        }
      }
    }
  }

  /** Runs {@code stop} while polling {@code probe}; returns the distinct successive probe results. */
  private static List<String> watchWhile(Supplier<String> probe, Runnable stop) {
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher = new Thread(() -> {
      while (watching.get()) {
        String now = probe.get();
        if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(now)) {
          seen.add(now);
        }
        Stack.sleep(20);
      }
    });
    watcher.start();
    // Stop only once the watcher has an answer from the running instance: on a loaded machine its
    // first probe can take longer than any fixed pause, and then answer from the drain already.
    awaitTrue(() -> !seen.isEmpty(), "a first probe answered");
    Stack.sleep(100);
    stop.run();
    Stack.sleep(100);
    watching.set(false);
    try {
      watcher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return List.copyOf(seen);
  }

  private static String grpcHealth(int port) {
    ManagedChannel probe = Stack.channel(port);
    try {
      var status = HealthGrpc.newBlockingStub(probe).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      return status == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING ? "ready" : "not-ready";
    } catch (StatusRuntimeException e) {
      return "gone";
    } finally {
      probe.shutdownNow();
    }
  }

  private static String readyz(int port) {
    int status = Http.get("http://127.0.0.1:" + port + "/readyz").status();
    return status == 200 ? "ready" : status == 503 ? "not-ready" : "gone";
  }
}
