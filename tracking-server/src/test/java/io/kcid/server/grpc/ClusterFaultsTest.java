package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ReplicaWait;
import io.kcid.server.store.redis.RedisKeys;
import io.kcid.server.store.redis.testing.LocalCluster;
import io.kcid.server.store.redis.testing.RedisNode;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Redis Cluster faults under a steady load of postbacks (4 senders that retry UNAVAILABLE with the
 * same request id). Three primaries with one replica each, {@code appendfsync always} on every
 * node, replicas promoted only when a test says so. From the recorded history of every attempt,
 * each scenario checks:
 *
 * <ul>
 *   <li>every answer was OK or UNAVAILABLE with STORE_UNAVAILABLE / STORE_TIMEOUT — never INTERNAL,
 *       never another error — and every postback ended OK;
 *   <li>no duplicates: each transaction id is one conversion at most;
 *   <li>every postback answered OK is stored afterwards under the id it was answered with — except
 *       after a primary is killed and its replica promoted: Redis replicates asynchronously, so a
 *       write acknowledged after the last replication barrier can be lost; that test checks every
 *       conversion acknowledged before the barrier (WAIT 1 on the primary) survived; and with
 *       KCID_REDIS_WAIT_REPLICAS=1 (a second server on the same cluster), every one survives.
 * </ul>
 */
class ClusterFaultsTest {
  private static final String GOAL = "order";
  private static final int SENDERS = 4;

  private static LocalCluster cluster;
  private static TrackingServer server;
  private static ManagedChannel channel;
  /** The same cluster through a server that acknowledges only what a replica confirmed (WAIT 1). */
  private static TrackingServer waitingServer;
  private static ManagedChannel waitingChannel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static CreateAccountResponse account;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(3, 1, true, List.of("cluster-replica-no-failover yes"));
    server = TrackingServer.start(TestServers.config(cluster.url()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    waitingServer = TrackingServer.start(TestServers.builder(cluster.url()).replicaWait(new ReplicaWait(1, Duration.ofMillis(100))).build());
    waitingChannel = NettyChannelBuilder.forAddress("127.0.0.1", waitingServer.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    var admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    account = admin.createAccount(CreateAccountRequest.getDefaultInstance());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(account.getAccount().getAccountId())
        .setGoalKey(GOAL).setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build());
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    waitingChannel.shutdownNow();
    server.close();
    waitingServer.close();
    cluster.close();
  }

  @Test
  void movingThePartitionsSlotToAnotherPrimaryUnderLoadLosesAndDuplicatesNothing() throws Exception {
    int partition = 3;
    int slot = slotOf(partition);
    RedisNode source = cluster.ownerOf(slot);
    RedisNode target = cluster.primaries().stream().filter(n -> n != source).findFirst().orElseThrow();
    PostbackLoad load = load("reshard", partition);
    load.awaitOk(100);
    // The slot stays open for a while: record scripts meet ASK and TRYAGAIN meanwhile.
    cluster.moveSlot(slot, target, Duration.ofMillis(150));
    load.awaitOk(100);
    load.stop();
    assertThat(cluster.ownerOf(slot)).isSameAs(target);
    assertThat(lostAcknowledged(load, Long.MAX_VALUE)).isZero();
    report("reshard", load);
  }

  @Test
  void aGracefulFailoverUnderLoadLosesAndDuplicatesNothing() throws Exception {
    int partition = 7;
    RedisNode primary = cluster.ownerOf(slotOf(partition));
    RedisNode replica = cluster.replicaOf(primary);
    PostbackLoad load = load("failover", partition);
    load.awaitOk(100);
    cluster.failover(replica); // CLUSTER FAILOVER: the replica catches up first, then takes over
    load.awaitOk(100);
    load.stop();
    assertThat(cluster.ownerOf(slotOf(partition))).isSameAs(replica);
    assertThat(lostAcknowledged(load, Long.MAX_VALUE)).isZero();
    report("graceful failover", load);
  }

  @Test
  void aKilledPrimaryRestartedWithFsyncAlwaysLosesNothing_evenThroughClusterDown() throws Exception {
    int partition = 13;
    RedisNode primary = cluster.ownerOf(slotOf(partition));
    RedisNode survivor = cluster.primaries().stream().filter(n -> n != primary).findFirst().orElseThrow();
    PostbackLoad load = load("restart", partition);
    load.awaitOk(100);
    primary.kill(); // SIGKILL: no shutdown, no last fsync; no replica may take over
    // Past cluster-node-timeout the others mark it failed and the whole cluster answers CLUSTERDOWN.
    LocalCluster.await("cluster_state:fail", () -> survivor.sync().clusterInfo().contains("cluster_state:fail"));
    Thread.sleep(300); // let the load meet CLUSTERDOWN
    cluster.restart(primary); // it reloads its AOF, fsynced before every acknowledgement
    load.awaitOk(100);
    load.stop();
    assertThat(load.attempts()).anyMatch(a -> a.code() == Status.Code.UNAVAILABLE);
    assertThat(lostAcknowledged(load, Long.MAX_VALUE)).isZero();
    report("kill and restart", load);
  }

  /**
   * The limit of asynchronous replication, stated as a test: a killed primary's replica has every
   * write up to the last replication barrier, not necessarily the last acknowledged ones.
   */
  @Test
  void aKilledPrimaryReplacedByItsReplicaKeepsEverythingAcknowledgedBeforeTheLastReplicationBarrier_andDuplicatesNothing()
      throws Exception {
    int partition = 11;
    RedisNode primary = cluster.ownerOf(slotOf(partition));
    RedisNode replica = cluster.replicaOf(primary);
    PostbackLoad load = load("takeover", partition);
    load.awaitOk(200);
    // The fence lives in the partition's slot, which this primary serves.
    long barrier = primary.replicationBarrier("kc:{" + partition + "}:test-fence");
    primary.kill();
    cluster.takeover(replica); // CLUSTER FAILOVER TAKEOVER: promoted without its dead primary
    assertThat(cluster.ownerOf(slotOf(partition))).isSameAs(replica);
    load.awaitOk(100);
    cluster.restart(primary); // rejoins as the new primary's replica
    load.awaitOk(50);
    load.stop();
    // No assertion that some answer was UNAVAILABLE: on an idle machine the takeover can finish
    // before any postback reaches the dead primary (seen in CI). Every answer is still OK or
    // UNAVAILABLE (load.check), and the kill-and-restart test above meets CLUSTERDOWN for seconds.
    int lost = lostAcknowledged(load, barrier);
    System.out.printf("takeover: %d postbacks, %d acknowledged after the barrier were lost;"
        + " UNAVAILABLE answers over %d ms%n", load.finalAnswers().size(), lost, load.unavailableMillis());
  }

  /**
   * The same kill and takeover through the server that waits for a replica: every conversion it
   * acknowledged survives. Until the killed primary rejoins as the new one's replica, the promoted
   * primary has no replica to confirm writes, and the partition answers UNAVAILABLE.
   */
  @Test
  void withWaitForOneReplica_aKilledPrimaryReplacedByItsReplicaLosesNothingAcknowledged_andDuplicatesNothing()
      throws Exception {
    int partition = 5;
    RedisNode primary = cluster.ownerOf(slotOf(partition));
    RedisNode replica = cluster.replicaOf(primary);
    PostbackLoad load = load("wait-takeover", partition, waitingChannel);
    load.awaitOk(200);
    long killed = System.nanoTime();
    primary.kill();
    cluster.takeover(replica);
    long promoted = System.nanoTime();
    // Checked here, not at the end: which primary serves the slot once the old one is back is
    // Redis' business (a busy machine can fail over again); what this test holds kcid to is the
    // loss check below, whichever node ends up serving it.
    assertThat(cluster.ownerOf(slotOf(partition))).isSameAs(replica);
    cluster.restart(primary);
    long rejoined = System.nanoTime();
    load.awaitOk(100);
    load.stop();
    // UNAVAILABLE answers after the resync: a replica slower than the WAIT timeout (a busy machine).
    long lateUnavailable = load.attempts().stream()
        .filter(a -> a.code() == Status.Code.UNAVAILABLE && a.answeredAtNanos() > rejoined).count();
    System.out.printf("takeover with WAIT 1: promoted after %d ms, old primary resynced as replica after %d ms;"
            + " %d UNAVAILABLE answers after that%n", TimeUnit.NANOSECONDS.toMillis(promoted - killed),
        TimeUnit.NANOSECONDS.toMillis(rejoined - killed), lateUnavailable);
    assertThat(load.attempts()).anyMatch(a -> a.code() == Status.Code.UNAVAILABLE);
    // Read back through the same server: the other one has not met the new topology yet.
    assertThat(load.check(ConversionServiceGrpc.newBlockingStub(waitingChannel)
        .withDeadlineAfter(60, TimeUnit.SECONDS), Long.MAX_VALUE)).isZero();
    report("takeover with WAIT 1", load);
  }

  private static void report(String scenario, PostbackLoad load) {
    System.out.printf("%s: %d postbacks, none lost; UNAVAILABLE answers over %d ms%n",
        scenario, load.finalAnswers().size(), load.unavailableMillis());
  }

  private static int slotOf(int partition) {
    return SlotHash.getSlot(RedisKeys.stream(partition));
  }

  /** 12 fresh clicks in the partition under test and 12 elsewhere, then a running load on them. */
  private static PostbackLoad load(String tag, int partition) {
    return load(tag, partition, channel);
  }

  private static PostbackLoad load(String tag, int partition, ManagedChannel through) {
    List<String> inside = new ArrayList<>();
    List<String> outside = new ArrayList<>();
    String accountId = account.getAccount().getAccountId();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inside.size() < 12 || outside.size() < 12) {
      String kcid;
      try {
        kcid = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c").build())
            .getClick().getKcid();
      } catch (StatusRuntimeException e) {
        // A server that has not yet met a previous test's topology change: retry, as a sender would.
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || System.nanoTime() > giveUp) {
          throw e;
        }
        sleep(50);
        continue;
      }
      int p = clicks.inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build()).getPartition();
      (p == partition ? inside : outside).add(kcid);
    }
    List<String> kcids = new ArrayList<>(inside.subList(0, 12));
    kcids.addAll(outside.subList(0, 12));
    return new PostbackLoad(through, account.getSecrets().getPostbackToken(), GOAL, kcids, tag).start(SENDERS);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int lostAcknowledged(PostbackLoad load, long durableBefore) {
    return load.check(conversions, durableBefore);
  }
}
