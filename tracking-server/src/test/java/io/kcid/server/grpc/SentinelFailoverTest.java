package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.testing.LocalSentinel;
import io.kcid.server.store.redis.testing.RedisNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A Sentinel failover under a steady load of postbacks: the server moves to the new primary when
 * the sentinels announce it. SENTINEL FAILOVER does not stop writes on the old primary the way
 * CLUSTER FAILOVER does; with {@code min-replicas-to-write 1} the old primary refuses them
 * (NOREPLICAS: a 503, retried) once the promoted replica has left it, instead of acknowledging
 * writes that vanish when it is demoted. Checked: everything acknowledged before the failover
 * started survives, nothing is counted twice; the loss after it and the 503 period are reported.
 */
class SentinelFailoverTest {
  @Test
  void theServerFollowsTheNewPrimary_keepsEverythingAcknowledgedBeforeTheFailover_andDuplicatesNothing()
      throws Exception {
    // The setup that keeps acknowledged writes: one replica, and a primary without a replica
    // refuses writes (NOREPLICAS, a 503). The old primary loses its only replica the moment it is
    // promoted, so it cannot acknowledge writes its successor will never see. (With a second
    // replica it keeps that one until the sentinels move it, and does; see docs/DEPLOYMENT.md.)
    try (LocalSentinel sentinel = LocalSentinel.start(1, List.of("min-replicas-to-write 1", "min-replicas-max-lag 10"))) {
      TrackingServer server = TrackingServer.start(TrackingServerTest.config(sentinel.url()));
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        var admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        var account = admin.createAccount(CreateAccountRequest.getDefaultInstance());
        String id = account.getAccount().getAccountId();
        admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("order")
            .setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
        var clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        List<String> kcids = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
          kcids.add(clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("c").build())
              .getClick().getKcid());
        }
        RedisNode before = sentinel.primary();
        PostbackLoad load = new PostbackLoad(channel, account.getSecrets().getPostbackToken(), "order", kcids, "sentinel")
            .start(4);
        load.awaitOk(100);
        long barrier = before.replicationBarrier("kc:test-fence");
        sentinel.failover();
        load.awaitOk(100); // on the new primary, once the sentinels announced it
        load.stop();
        assertThat(sentinel.primary()).isNotSameAs(before);
        // Check only once the old primary is demoted: until then it still answers as a primary.
        sentinel.awaitDemoted(before);
        int lost = load.check(ConversionServiceGrpc.newBlockingStub(channel), barrier);
        System.out.printf("sentinel failover: %d postbacks, %d acknowledged after the barrier were lost;"
            + " UNAVAILABLE answers over %d ms%n", load.finalAnswers().size(), lost, load.unavailableMillis());
      } finally {
        channel.shutdownNow();
        server.close();
      }
    }
  }
}
