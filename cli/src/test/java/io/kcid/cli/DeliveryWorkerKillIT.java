package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.DeliveryRole;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.delivery.DeliveryParts;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Kill -9 of a delivery worker process ({@code kcid deliver}, the real jar) while its requests are
 * in flight: the receiver holds them unanswered, the process is SIGKILLed, and a second worker
 * takes the jobs over once their leases end. Every recorded conversion reaches the receiver with a
 * 2xx, under one delivery id each (a duplicate send repeats the id), and every job ends delivered.
 */
class DeliveryWorkerKillIT {
  private static final KcidKeyRing KEYS = TestServers.KEYS;

  @Test
  void aSigkilledWorkerProcessLosesNoDeliveryAndDuplicatesKeepTheirId() throws Exception {
    int conversions = 20;
    AtomicBoolean hang = new AtomicBoolean(true);
    AtomicInteger held = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    Map<String, Set<String>> answered = new ConcurrentHashMap<>(); // conversion id -> delivery ids answered 200
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    receiver.createContext("/", exchange -> {
      Map<String, String> q = query(exchange.getRequestURI());
      if (hang.get()) {
        held.incrementAndGet();
        try {
          release.await(60, TimeUnit.SECONDS); // the worker dies while we hold this
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
        return;
      }
      answered.computeIfAbsent(q.get("c"), c -> ConcurrentHashMap.newKeySet()).add(q.get("id"));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    DeliveryConfig noWorkers = new DeliveryConfig(false, DeliveryConfig.DEFAULT_MAX_AGE, List.of("127.0.0.1/32"),
        Duration.ofSeconds(1), Duration.ofSeconds(2), DeliveryConfig.DEFAULT_CONCURRENCY,
        DeliveryConfig.DEFAULT_LOG_RETENTION, DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER);
    Process worker = null;
    DeliveryRole survivor = null;
    try (LocalRedis redis = LocalRedis.startTemporary();
        RunningServer running = RunningServer.start(
            TestServers.builder(redis.url()).delivery(noWorkers).build(), Duration.ofSeconds(60))) {
      var account = running.newAccount();
      String id = account.getAccount().getAccountId();
      var deliveries = DeliveryServiceGrpc.newBlockingStub(running.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
      deliveries.createDestination(CreateDestinationRequest.newBuilder().setAccountId(id).setDestinationId("pb")
          .setKind(DestinationKind.DESTINATION_KIND_POSTBACK)
          .setUrl("http://127.0.0.1:" + receiver.getAddress().getPort() + "/pb?c={conversion_id}&id={delivery_id}")
          .build());

      worker = startWorker(redis.url());
      List<String> recorded = new ArrayList<>();
      for (int i = 0; i < conversions; i++) {
        recorded.add(running.conversions().recordConversion(RecordConversionRequest.newBuilder()
            .setKcid(running.issueClick(id, "c")).setRequestId("r" + i)
            .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
            .build()).getConversionId());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (held.get() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(held.get()).as("requests the worker process has in flight").isGreaterThanOrEqualTo(3);
      worker.destroyForcibly(); // SIGKILL: nothing settled, nothing acknowledged
      assertThat(worker.waitFor(10, TimeUnit.SECONDS)).isTrue();
      hang.set(false);
      release.countDown();

      survivor = DeliveryRole.start(TestServers.builder(redis.url()).delivery(new DeliveryConfig(true,
          DeliveryConfig.DEFAULT_MAX_AGE, List.of("127.0.0.1/32"), Duration.ofSeconds(1), Duration.ofSeconds(2),
          DeliveryConfig.DEFAULT_CONCURRENCY, DeliveryConfig.DEFAULT_LOG_RETENTION,
          DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER)).build(), DeliveryParts.DEFAULTS);
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!answered.keySet().containsAll(recorded) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(answered.keySet()).as("every recorded conversion answered 2xx").containsAll(recorded);
      assertThat(answered).allSatisfy((c, ids) -> assertThat(ids).as("delivery ids of %s", c).hasSize(1));
      List<Delivery> log = deliveries.listDeliveries(ListDeliveriesRequest.newBuilder().setAccountId(id)
          .setPageSize(1000).build()).getDeliveriesList();
      assertThat(log).hasSize(conversions);
      assertThat(log).allSatisfy(d -> assertThat(d.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED));
    } finally {
      release.countDown();
      if (worker != null) {
        worker.destroyForcibly();
      }
      if (survivor != null) {
        survivor.close();
      }
      receiver.stop(0);
    }
  }

  /** {@code java -jar kcid.jar deliver} against {@code redisUrl}, as an operator would run it. */
  private static Process startWorker(String redisUrl) throws Exception {
    Path log = Files.createTempFile("kcid-deliver", ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", System.getProperty("kcid.jar"), "deliver");
    pb.environment().keySet().removeIf(k -> k.startsWith("KCID_"));
    pb.environment().put("KCID_REDIS_URL", redisUrl);
    pb.environment().put("KCID_MAC_KEYS", KEYS.toSpec());
    pb.environment().put("KCID_PARTITIONS", "16");
    pb.environment().put("KCID_METRICS_PORT", "-1");
    pb.environment().put("KCID_DELIVERY_ALLOWED_NETWORKS", "127.0.0.1/32");
    pb.environment().put("KCID_DELIVERY_TIMEOUT", "2s");
    pb.environment().put("KCID_DELIVERY_CONNECT_TIMEOUT", "1s");
    pb.environment().put("KCID_ACCOUNT_CACHE_MS", "0");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return pb.start();
  }

  private static Map<String, String> query(URI uri) {
    Map<String, String> q = new java.util.HashMap<>();
    for (String pair : String.valueOf(uri.getRawQuery()).split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        q.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    return q;
  }
}
