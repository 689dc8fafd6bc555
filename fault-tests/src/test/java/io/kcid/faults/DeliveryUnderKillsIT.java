package io.kcid.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.DeliveryRole;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.delivery.ActiveDestination;
import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.DeliveryParts;
import io.kcid.server.delivery.DeliverySender;
import io.kcid.server.delivery.DestinationDirectory;
import io.kcid.server.delivery.OutboundMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16's delivery promise under faults: redis-server on {@code appendfsync always} is killed
 * with SIGKILL while postbacks are recorded (each retried with its request id until answered), and
 * a delivery worker dies mid-delivery (its sends never answer, it never settles its jobs). Every
 * acknowledged conversion must reach the receiver, under exactly one delivery id, once the second
 * worker has taken the dead one's jobs over (their leases expired).
 */
class DeliveryUnderKillsIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final int CONVERSIONS = 60;

  @TempDir Path dir;

  /** Every account has one destination "sink". */
  private static final class EveryAccount implements DestinationDirectory {
    @Override
    public CompletionStage<List<ActiveDestination>> forAccount(String accountId) {
      return CompletableFuture.completedFuture(List.of(new ActiveDestination(Destination.newBuilder()
          .setAccountId(accountId).setDestinationId("sink").setKind(DestinationKind.DESTINATION_KIND_WEBHOOK)
          .setUrl("http://127.0.0.1:1/").build(), List.of())));
    }

    @Override
    public CompletionStage<Boolean> hasDestinations(String accountId) {
      return CompletableFuture.completedFuture(true);
    }

    @Override
    public CompletionStage<Void> markCircuit(Destination destination, boolean open, String reason) {
      return CompletableFuture.completedFuture(null);
    }
  }

  /** Records conversion id -> delivery ids it was sent under; answers 200. */
  private static final class Sink implements DeliverySender {
    final Map<String, Set<String>> ids = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<AttemptResult> send(OutboundMessage m) {
      ids.computeIfAbsent(m.event().conversion().getConversionId(), c -> ConcurrentHashMap.newKeySet()).add(m.deliveryId());
      return CompletableFuture.completedFuture(new AttemptResult(AttemptResult.Outcome.DELIVERED,
          DeliveryAttempt.newBuilder().setStatusCode(200).build(), Optional.empty()));
    }
  }

  private static ServerConfig config(String redisUrl, boolean workers) {
    return ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redisUrl)
        .partitions(Stack.PARTITIONS).macKeys(KEYS).redisTimeout(Duration.ofMillis(500)).redisQueueSize(10_000)
        .accountCacheTtl(Duration.ofMillis(200)).streamMaxLength(100_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofMillis(200))
        .delivery(new DeliveryConfig(workers, Duration.ofHours(1), List.of(), Duration.ofMillis(500),
            Duration.ofMillis(500), 4, Duration.ofHours(1), Duration.ofHours(6)))
        .build();
  }

  @Test
  void sigkilledRedisAndADeadWorkerLeaveNoAcknowledgedConversionUndelivered() throws Exception {
    DestinationDirectory directory = new EveryAccount();
    AtomicInteger stalled = new AtomicInteger();
    DeliverySender neverAnswers = m -> {
      stalled.incrementAndGet();
      return new CompletableFuture<>();
    };
    Sink sink = new Sink();
    try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"), true)) {
      TrackingServer server = TrackingServer.start(config(redis.url(), false), new DeliveryParts(directory, null));
      ManagedChannel channel = Stack.channel(server.port());
      DeliveryRole dying = DeliveryRole.start(config(redis.url(), true), new DeliveryParts(directory, neverAnswers));
      DeliveryRole survivor = null;
      try {
        CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
        String accountId = account.getAccount().getAccountId();
        List<String> kcids = new ArrayList<>();
        for (int i = 0; i < CONVERSIONS; i++) {
          kcids.add(ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c").build())
              .getClick().getKcid());
        }
        // Two SIGKILLs of Redis while the postbacks are recorded.
        Thread killer = new Thread(() -> {
          for (int k = 0; k < 2; k++) {
            Stack.sleep(400);
            redis.kill9();
            Stack.sleep(200);
            redis.restart();
          }
        });
        killer.start();
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < CONVERSIONS; i++) {
          if (i == CONVERSIONS / 2) {
            // The first worker dies mid-delivery: whatever it claimed is never settled. (It may
            // take a moment to start one: a Redis killed under it fails its passes for a second.)
            long holding = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (stalled.get() == 0 && System.nanoTime() < holding) {
              Stack.sleep(50);
            }
            assertThat(stalled.get()).as("the dying worker held deliveries").isPositive();
            dying.close();
            survivor = DeliveryRole.start(config(redis.url(), true), new DeliveryParts(directory, sink));
          }
          acknowledged.add(record(channel, account, kcids.get(i), "req-" + i).getConversionId());
          Stack.sleep(20);
        }
        killer.join();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!sink.ids.keySet().containsAll(acknowledged) && System.nanoTime() < deadline) {
          Stack.sleep(100);
        }
        assertThat(sink.ids.keySet()).as("every acknowledged conversion delivered").containsAll(acknowledged);
        assertThat(sink.ids).allSatisfy((conversion, deliveryIds) ->
            assertThat(deliveryIds).as("delivery ids of %s", conversion).hasSize(1));
        assertThat(acknowledged).hasSize(CONVERSIONS);
      } finally {
        if (survivor != null) {
          survivor.close();
        }
        channel.shutdownNow();
        server.close();
      }
    }
  }

  /** Records a postback, retrying with the same request id until it is answered. */
  private static RecordConversionResponse record(ManagedChannel channel, CreateAccountResponse account, String kcid,
      String requestId) {
    RecordConversionRequest request = RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey("sale")
        .setRequestId(requestId)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build();
    for (int attempt = 0; ; attempt++) {
      try {
        return ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
            .recordConversion(request);
      } catch (StatusRuntimeException e) {
        if (attempt > 200) {
          throw e;
        }
        Stack.sleep(100);
      }
    }
  }
}
