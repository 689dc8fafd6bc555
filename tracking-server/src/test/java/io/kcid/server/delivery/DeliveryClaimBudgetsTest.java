package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisDeliveryQueue;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The per-destination queues on real Redis (one node and a 3-primary Cluster): a claim takes at
 * most each destination's budget and leaves a busy destination's backlog in the queue without
 * touching its jobs; new jobs are claimed as they are created within budget; leases expire into
 * a claim under the same id; a batch of finishes settles each job and empties the index.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class DeliveryClaimBudgetsTest {
  private static final Duration LEASE = Duration.ofSeconds(20);
  private static final AtomicInteger PARTITION = new AtomicInteger();

  @Parameter Topology topology;

  private static TestRedis redis;
  private static RedisConnector connector;
  private static RedisDeliveryQueue queue;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 10_000);
    queue = new RedisDeliveryQueue(connector.commands(), connector.oneNode());
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    connector.close();
    redis.close();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  /** A partition of its own per test (jobs and index are per partition). */
  private static int partition() {
    return PARTITION.incrementAndGet() % 4096;
  }

  private static List<DeliveryJob> jobs(int partition, String destination, int n, Instant created) {
    List<DeliveryJob> jobs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "dlv_" + destination + "_" + partition + "_" + i;
      jobs.add(new DeliveryJob(id, partition, "acme", "a:acme", destination, "k-1", "k", "default",
          DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, ConversionStatus.CONVERSION_STATUS_APPROVED,
          DeliveryState.DELIVERY_STATE_PENDING, 0, created, created, created, "1-" + i, false));
    }
    return jobs;
  }

  private static long hgetallCalls() {
    String stats = redis.commands().info("commandstats");
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("cmdstat_hgetall:")) {
        return Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(',')));
      }
    }
    return 0;
  }

  @Test
  void aClaimTakesEachDestinationsBudgetAndLeavesABusyOnesBacklogUntouched() {
    int p = partition();
    Instant t0 = Instant.now().minusSeconds(60);
    join(queue.enqueue(p, jobs(p, "slow", 200, t0)));
    join(queue.enqueue(p, jobs(p, "fast", 3, t0)));
    Instant now = Instant.now();

    var claimed = join(queue.claimDue(p, now, now.plus(LEASE), 64,
        new ClaimBudgets(10, Map.of("a:acme/slow", 2))));
    assertThat(claimed.jobs()).extracting(DeliveryJob::destinationId)
        .containsExactlyInAnyOrder("slow", "slow", "fast", "fast", "fast");
    assertThat(claimed.stillDue()).containsExactly("a:acme/slow");

    // A destination with no budget left: its 198 waiting jobs are not read, one at a time or at all.
    long before = topology == Topology.STANDALONE ? hgetallCalls() : 0;
    var none = join(queue.claimDue(p, now, now.plus(LEASE), 64, new ClaimBudgets(10, Map.of("a:acme/slow", 0))));
    assertThat(none.jobs()).isEmpty();
    assertThat(none.stillDue()).containsExactly("a:acme/slow");
    if (topology == Topology.STANDALONE) {
      assertThat(hgetallCalls() - before).isZero();
    }
    assertThat(join(queue.pending(p + 1))).isGreaterThanOrEqualTo(203);
  }

  @Test
  void newJobsAreClaimedAsTheyAreCreatedWithinBudgetAndOnlyOnce() {
    int p = partition();
    Instant now = Instant.now();
    List<DeliveryJob> jobs = jobs(p, "hook", 10, now.minusMillis(5));
    var enqueued = join(queue.enqueue(p, jobs, now.plus(LEASE), new ClaimBudgets(0, Map.of("a:acme/hook", 4))));
    assertThat(enqueued.created()).isEqualTo(10);
    assertThat(enqueued.claimed()).hasSize(4);

    // The other six are due; the four claimed ones are not (their lease runs).
    var rest = join(queue.claimDue(p, now, now.plus(LEASE), 64, ClaimBudgets.uniform(64)));
    assertThat(rest.jobs()).hasSize(6);
    assertThat(rest.jobs()).extracting(DeliveryJob::deliveryId)
        .doesNotContainAnyElementsOf(enqueued.claimed().stream().map(DeliveryJob::deliveryId).toList());

    // Dispatched again (a worker died before acknowledging the entry): nothing new, nothing claimed.
    var again = join(queue.enqueue(p, jobs, now.plus(LEASE), ClaimBudgets.uniform(64)));
    assertThat(again.created()).isZero();
    assertThat(again.claimed()).isEmpty();

    // Once the leases end, every job is claimable again, under its id.
    Instant later = now.plus(LEASE).plusSeconds(1);
    var expired = join(queue.claimDue(p, later, later.plus(LEASE), 64, ClaimBudgets.uniform(64)));
    assertThat(expired.jobs()).extracting(DeliveryJob::deliveryId)
        .containsExactlyInAnyOrderElementsOf(jobs.stream().map(DeliveryJob::deliveryId).toList());
  }

  @Test
  void aBatchOfFinishesSettlesEachJobAndEmptiesTheIndex() {
    int p = partition();
    Instant now = Instant.now();
    join(queue.enqueue(p, jobs(p, "sink", 40, now.minusMillis(5))));
    List<DeliveryJob> claimed = join(queue.claimDue(p, now, now.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs();
    assertThat(claimed).hasSize(40);
    DeliveryAttempt ok = DeliveryAttempt.newBuilder().setStatusCode(200).build();
    // Submitted together: they go out in a few script calls, each answer for its own job.
    List<CompletableFuture<DeliveryState>> states = new ArrayList<>();
    for (int i = 0; i < claimed.size(); i++) {
      DeliveryJob j = claimed.get(i);
      states.add((i % 4 == 0
          ? queue.finish(j, DeliveryAttempt.newBuilder().setStatusCode(503).build(), DeliveryState.DELIVERY_STATE_PENDING,
              now.plusSeconds(30), Duration.ofHours(1))
          : queue.finish(j, ok, DeliveryState.DELIVERY_STATE_DELIVERED, null, Duration.ofHours(1))).toCompletableFuture());
    }
    CompletableFuture.allOf(states.toArray(CompletableFuture[]::new)).join();
    for (int i = 0; i < claimed.size(); i++) {
      assertThat(states.get(i).join()).isEqualTo(i % 4 == 0
          ? DeliveryState.DELIVERY_STATE_PENDING : DeliveryState.DELIVERY_STATE_DELIVERED);
    }
    assertThat(join(queue.find(p, claimed.get(1).deliveryId())).orElseThrow().getAttemptsList())
        .extracting(DeliveryAttempt::getStatusCode).containsExactly(200);
    // The ten retries are due in 30 s: nothing now, all of them then.
    assertThat(join(queue.claimDue(p, now, now.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs()).isEmpty();
    Instant retry = now.plusSeconds(31);
    List<DeliveryJob> retried = join(queue.claimDue(p, retry, retry.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs();
    assertThat(retried).hasSize(10).allSatisfy(j -> assertThat(j.attempts()).isEqualTo(1));
    retried.forEach(j -> join(queue.finish(j, ok, DeliveryState.DELIVERY_STATE_DELIVERED, null, Duration.ofHours(1))));
    // Nothing left: the destination left the index.
    assertThat(redis.commands().zcard("kc:{" + p + "}:dq")).isZero();
    assertThat(redis.commands().exists("kc:{" + p + "}:dq:a:acme/sink")).isZero();

    // Redelivered: back in its destination's queue and in the index, due now.
    assertThat(join(queue.requeue(p, retried.get(0).deliveryId(), EnumSet.of(DeliveryState.DELIVERY_STATE_DELIVERED),
        retry))).isTrue();
    assertThat(redis.commands().zrange("kc:{" + p + "}:dq", 0, -1)).containsExactly("a:acme/sink");
    assertThat(join(queue.claimDue(p, retry, retry.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs())
        .extracting(DeliveryJob::deliveryId).containsExactly(retried.get(0).deliveryId());
  }

  @Test
  void aPostponedJobWaitsInItsQueueAndAFinishedOneIsNotPostponedBack() {
    int p = partition();
    Instant now = Instant.now();
    List<DeliveryJob> two = jobs(p, "paused", 2, now.minusMillis(5));
    join(queue.enqueue(p, two));
    List<DeliveryJob> claimed = join(queue.claimDue(p, now, now.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs();
    assertThat(claimed).hasSize(2);
    join(queue.finish(claimed.get(1), null, DeliveryState.DELIVERY_STATE_CANCELLED, null, Duration.ofHours(1)));
    join(queue.postpone(claimed.get(0), now.plusSeconds(30)));
    join(queue.postpone(claimed.get(1), now.plusSeconds(30)));
    assertThat(join(queue.claimDue(p, now.plusSeconds(29), now.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs()).isEmpty();
    assertThat(join(queue.claimDue(p, now.plusSeconds(31), now.plus(LEASE), 64, ClaimBudgets.uniform(64))).jobs())
        .extracting(DeliveryJob::deliveryId).containsExactly(claimed.get(0).deliveryId());
  }
}
