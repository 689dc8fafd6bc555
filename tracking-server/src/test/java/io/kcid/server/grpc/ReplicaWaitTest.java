package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ReplicaWait;
import io.kcid.server.store.redis.RedisKeys;
import io.kcid.server.store.redis.testing.LocalCluster;
import io.kcid.server.store.redis.testing.LocalStandalone;
import io.kcid.server.store.redis.testing.RedisNode;
import io.kcid.server.testing.Scrapes;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * KCID_REDIS_WAIT_REPLICAS: a write is answered OK only once WAIT, on the connection that carried
 * it, reports enough replicas; otherwise UNAVAILABLE / STORE_UNAVAILABLE (outcome unknown), never
 * OK, and the sender's retry counts once.
 */
class ReplicaWaitTest {
  private static final ReplicaWait ONE_REPLICA = new ReplicaWait(1, Duration.ofMillis(100));

  @Test
  void withNoReplicaToConfirmThem_writesAreAnsweredUnavailable_neverOk_andTheRetryCountsOnce() {
    // Clicks, conversions, status changes and erasures: every acknowledged write waits.
    try (LocalStandalone redis = LocalStandalone.start()) {
      // The same Redis, without a replica: one server waits for one, the other does not.
      TrackingServer plain = TrackingServer.start(TestServers.config(redis.url()));
      TrackingServer waiting = TrackingServer.start(TestServers.builder(redis.url()).replicaWait(ONE_REPLICA).build());
      ManagedChannel plainChannel = channel(plain);
      ManagedChannel waitingChannel = channel(waiting);
      try {
        CreateAccountResponse account = accountWithGoal(plainChannel);
        String accountId = account.getAccount().getAccountId();

        StatusRuntimeException click = catchThrowableOfType(
            () -> clicks(waitingChannel).issueClick(IssueClickRequest.newBuilder().setAccountId(accountId)
                .setCampaignId("c").build()),
            StatusRuntimeException.class);
        assertUnknownOutcome(click);

        String kcid = clicks(plainChannel).issueClick(IssueClickRequest.newBuilder().setAccountId(accountId)
            .setCampaignId("c").build()).getClick().getKcid();
        RecordConversionRequest postback = postback(account, kcid, "t-1");
        for (int attempt = 0; attempt < 2; attempt++) {
          // Redis ran the script, but no replica holds it: unknown, however often it is retried here.
          assertUnknownOutcome(catchThrowableOfType(
              () -> conversions(waitingChannel).recordConversion(postback), StatusRuntimeException.class));
        }
        RecordConversionResponse retried = conversions(plainChannel).recordConversion(postback);
        assertThat(retried.getConversionId()).isNotEmpty();
        assertThat(conversions(plainChannel).listConversions(
            ListConversionsRequest.newBuilder().setKcid(kcid).build()).getConversionsList())
            .as("the postback counted once").hasSize(1);
        // Status changes and erasures are acknowledged writes too.
        assertUnknownOutcome(catchThrowableOfType(() -> conversions(waitingChannel).updateConversionStatus(
                UpdateConversionStatusRequest.newBuilder().setConversionId(retried.getConversionId())
                    .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("chargeback").build()),
            StatusRuntimeException.class));
        assertUnknownOutcome(catchThrowableOfType(
            () -> clicks(waitingChannel).deleteClick(DeleteClickRequest.newBuilder().setKcid(kcid).build()),
            StatusRuntimeException.class));
        // Each of those writes ended in a WAIT that found too few replicas; the metrics say so.
        String scrape = waiting.scrapeMetrics();
        assertThat(Scrapes.require(scrape, "kcid_server_redis_wait_total", Map.of("result", "too_few_replicas")))
            .isGreaterThanOrEqualTo(5);
        assertThat(Scrapes.require(scrape, "kcid_server_redis_wait_total", Map.of("result", "ok"))).isZero();
        assertThat(Scrapes.require(scrape, "kcid_server_conversions_total",
            Map.of("outcome", "unknown", "reason", "STORE_UNAVAILABLE"))).isEqualTo(2);
      } finally {
        plainChannel.shutdownNow();
        waitingChannel.shutdownNow();
        waiting.close();
        plain.close();
      }
    }
  }

  /**
   * WAIT counts the replicas that acknowledged this connection's last write. Sent to another
   * primary, or on another connection to the right one, it would count a stalled replica that
   * acknowledged something older and answer OK: the stalled shard's writes must be the ones, and
   * the only ones, answered UNAVAILABLE.
   */
  @Test
  void onACluster_theWaitRunsOnTheConnectionToThePrimaryThatWrote() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(3, 1, false, List.of("cluster-replica-no-failover yes"))) {
      TrackingServer server = TrackingServer.start(TestServers.builder(cluster.url()).replicaWait(ONE_REPLICA).build());
      ManagedChannel channel = channel(server);
      try {
        CreateAccountResponse account = accountWithGoal(channel);
        List<String> kcids = new ArrayList<>();
        List<Integer> partitions = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
          String kcid = retried(() -> clicks(channel).issueClick(IssueClickRequest.newBuilder()
              .setAccountId(account.getAccount().getAccountId()).setCampaignId("c").build())).getClick().getKcid();
          kcids.add(kcid);
          partitions.add(clicks(channel).inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build()).getPartition());
        }
        RedisNode stalledShard = cluster.ownerOf(slotOf(partitions.get(0)));
        // On a busy machine a node can be briefly flagged failing; wait until the replica is listed.
        LocalCluster.await("a replica of " + stalledShard.address(), () -> {
          try {
            return cluster.replicaOf(stalledShard) != null;
          } catch (IllegalStateException notYet) {
            return false;
          }
        });
        RedisNode replica = cluster.replicaOf(stalledShard);
        replica.pause();
        int unavailable = 0;
        try {
          for (int i = 0; i < kcids.size(); i++) {
            RecordConversionRequest postback = postback(account, kcids.get(i), "t-" + i);
            if (cluster.ownerOf(slotOf(partitions.get(i))) == stalledShard) {
              assertUnknownOutcome(catchThrowableOfType(
                  () -> conversions(channel).recordConversion(postback), StatusRuntimeException.class));
              unavailable++;
            } else {
              assertThat(retried(() -> conversions(channel).recordConversion(postback)).getConversionId()).isNotEmpty();
            }
          }
        } finally {
          replica.resume();
        }
        assertThat(unavailable).as("postbacks to the stalled shard").isPositive().isLessThan(kcids.size());
        for (int i = 0; i < kcids.size(); i++) {
          // Retried once the replica is back: OK now, and each counted once.
          RecordConversionRequest postback = postback(account, kcids.get(i), "t-" + i);
          retried(() -> conversions(channel).recordConversion(postback));
          assertThat(conversions(channel).listConversions(
              ListConversionsRequest.newBuilder().setKcid(kcids.get(i)).build()).getConversionsList()).hasSize(1);
        }
      } finally {
        channel.shutdownNow();
        server.close();
      }
    }
  }

  /**
   * Where OK is expected, a busy machine can still make a replica miss the WAIT timeout: retry
   * UNAVAILABLE as a sender would (the stalled shard's answers are never retried into an OK).
   */
  private static <T> T retried(java.util.function.Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || attempt == 20) {
          throw e;
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static void assertUnknownOutcome(StatusRuntimeException e) {
    assertThat(e).as("answered OK").isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(PostbackLoad.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
  }

  private static int slotOf(int partition) {
    return SlotHash.getSlot(RedisKeys.stream(partition));
  }

  private static ManagedChannel channel(TrackingServer server) {
    return NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  private static ClickServiceGrpc.ClickServiceBlockingStub clicks(ManagedChannel channel) {
    return ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions(ManagedChannel channel) {
    return ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static CreateAccountResponse accountWithGoal(ManagedChannel channel) {
    var admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    CreateAccountResponse account = admin.createAccount(CreateAccountRequest.getDefaultInstance());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setGoalKey("order").setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
    return account;
  }

  private static RecordConversionRequest postback(CreateAccountResponse account, String kcid, String transaction) {
    return RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey("order").setTransactionId(transaction)
        .setRequestId("r-" + transaction)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
        .build();
  }
}
