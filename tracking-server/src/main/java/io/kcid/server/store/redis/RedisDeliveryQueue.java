package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.server.common.Futures;
import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.DeliveryQueue;
import io.kcid.server.store.OutboxEntry;
import io.kcid.server.store.redis.Scripts.ClaimDeliveries;
import io.kcid.server.store.redis.Scripts.EnqueueDeliveries;
import io.kcid.server.store.redis.Scripts.FinishDeliveries;
import io.kcid.server.store.redis.Scripts.RequeueDelivery;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The delivery outbox ({@code kc:{p}:o}), jobs ({@code kc:{p}:dj:<id>}), each destination's due-time queue ({@code kc:{p}:dq:<owner>/<destination>})
 * with the partition's index of destinations by earliest due time ({@code kc:{p}:dq}), and the
 * accounts' log indexes ({@code kc:{a:<id>}:dl}). Job creation, claiming, finishing and requeueing
 * are Lua scripts in the partition's slot; attempts that end within {@link #FINISH_LINGER} of each
 * other are finished in one call ({@link Batches}): one per partition on a Cluster, one for all
 * partitions on a single Redis (or Sentinel's primary), where every key is on one node. A job hash holds: a account, o owner, d destination, c conversion id, k
 * kcid, g goal, t trigger, s status, ct created ms, q queued ms, st state, n attempts, na next
 * attempt ms, e outbox entry id, ah (set: its attempts are its fields h&lt;k&gt;, attempt k as a
 * DeliveryAttempt protobuf, the newest {@link #ATTEMPTS_KEPT}). A job an older server created has
 * no ah: its attempts are the list {@code kc:{p}:da:<id>} until it expires. A job taken straight from
 * its outbox entry ({@link DeliveryJob#direct}) is stored by its first finish, which also
 * acknowledges and deletes the entry.
 */
public final class RedisDeliveryQueue implements DeliveryQueue {
  private static final LuaScript<EnqueueDeliveries> ENQUEUE = LuaScript.load(Scripts.ENQUEUE_DELIVERIES);
  private static final LuaScript<ClaimDeliveries> CLAIM = LuaScript.load(Scripts.CLAIM_DELIVERIES);
  private static final LuaScript<FinishDeliveries> FINISH = LuaScript.load(Scripts.FINISH_DELIVERIES);
  private static final LuaScript<RequeueDelivery> REQUEUE = LuaScript.load(Scripts.REQUEUE_DELIVERY);
  /** Attempts kept per job: the newest. */
  static final int ATTEMPTS_KEPT = 50;
  /** A job hash's own fields, as claim_deliveries.lua answers them: all but its attempts. */
  private static final byte[][] JOB_FIELDS = Stream.of("a", "o", "d", "c", "k", "g", "t", "s", "ct", "q", "st", "n",
      "na", "e").map(RedisKeys::bytes).toArray(byte[][]::new);
  /** A job hash's field holding attempt k: h&lt;k&gt; (finish_deliveries.lua). */
  private static final Pattern ATTEMPT_FIELD = Pattern.compile("h[0-9]+");
  /** Jobs finished per script call, at most. */
  static final int FINISH_BATCH = 128;
  /**
   * How long an attempt's end waits for others to be recorded with it. Attempts end one by one,
   * as their responses come in (a few per millisecond at most on a busy node), so without a wait
   * nearly every one was a script call of its own. The request has been answered by then: only the
   * job's record waits, and with it the room the job holds in its destination's claim budget.
   */
  static final Duration FINISH_LINGER = Duration.ofMillis(5);
  /** A stored job's part of finish_deliveries.lua's values for a job taken straight from its entry. */
  private static final List<String> NOT_DIRECT = Collections.nCopies(10, "");
  /** How often an account's log index drops entries past the retention (each dispatch adds to it). */
  private static final long TRIM_EVERY_MS = 60_000;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final Batches<Finish, Long> finishes;
  /** Every partition on one node: a finish call may span partitions (one lane for all). */
  private final boolean oneNode;
  private final Map<String, Long> trimmedAt = new ConcurrentHashMap<>();

  /**
   * @param oneNode every key on one Redis (a single server, Sentinel's primary); false on a
   *     Cluster, where a script call stays within one partition's slot
   */
  public RedisDeliveryQueue(RedisClusterAsyncCommands<byte[], byte[]> redis, boolean oneNode) {
    this(redis, oneNode, FINISH_LINGER);
  }

  /** With another linger: tests that must see attempts gathered whatever the machine's pauses. */
  RedisDeliveryQueue(RedisClusterAsyncCommands<byte[], byte[]> redis, boolean oneNode, Duration finishLinger) {
    this.redis = redis;
    this.oneNode = oneNode;
    this.finishes = new Batches<>(FINISH_BATCH, finishLinger, this::finishBatch);
  }

  /** One job's part of a finish_deliveries.lua call; {@code job} is the job itself when it is not stored yet. */
  private record Finish(int partition, String deliveryId, String destination, String outcome, byte[] attempt,
      long nextMs, long retentionMs, DeliveryJob direct) {
    Finish(DeliveryJob job, String outcome, byte[] attempt, long nextMs, long retentionMs) {
      this(job.partition(), job.deliveryId(), job.destinationKey(), outcome, attempt, nextMs, retentionMs,
          job.direct() ? job : null);
    }
  }

  /** The batch lane of a partition's finishes: its own on a Cluster, one for all on one node. */
  private int finishLane(int partition) {
    return oneNode ? 0 : partition;
  }

  /**
   * The ten values a script stores a new job from (lib_deliveries.lua's new_job): account, owner,
   * destination id, conversion id, kcid, goal, trigger, status, created ms, entry id.
   */
  private static List<String> newJobFields(DeliveryJob j) {
    return List.of(j.accountId(), j.owner(), j.destinationId(), j.conversionId(), j.kcid(), j.goalKey(),
        Integer.toString(j.trigger().getNumber()), Integer.toString(j.status().getNumber()),
        Long.toString(j.created().toEpochMilli()), j.entryId());
  }

  @Override
  public CompletionStage<Void> createGroups(int partitions) {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      CompletableFuture<Void> created = new CompletableFuture<>();
      redis.xgroupCreate(XReadArgs.StreamOffset.from(RedisKeys.outbox(p), "0"), bytes(GROUP),
              XGroupCreateArgs.Builder.mkstream())
          .whenComplete((ok, failure) -> {
            Throwable cause = failure == null ? null : StoreErrors.unwrap(failure);
            if (cause == null || String.valueOf(cause.getMessage()).startsWith("BUSYGROUP")) {
              created.complete(null); // created now, or by another worker
            } else {
              created.completeExceptionally(StoreErrors.translate(cause));
            }
          });
      all.add(created);
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** One partition's outbox, as {@link #readOutboxes} reads each on a Cluster or for a takeover. */
  private CompletionStage<List<OutboxEntry>> readOutbox(int partition, String consumer, Duration stale, int count) {
    Consumer<byte[]> me = Consumer.from(bytes(GROUP), bytes(consumer));
    byte[] key = RedisKeys.outbox(partition);
    CompletableFuture<List<StreamMessage<byte[], byte[]>>> claimed = stale == null
        ? CompletableFuture.completedFuture(List.of())
        : redis.xautoclaim(key,
                new XAutoClaimArgs<byte[]>().consumer(me).minIdleTime(stale).startId("0-0").count(count))
            .thenApply(c -> c.getMessages()).toCompletableFuture();
    var fresh = redis.xreadgroup(me, XReadArgs.Builder.count(count), XReadArgs.StreamOffset.lastConsumed(key))
        .toCompletableFuture();
    return Stages.translate(claimed.thenCombine(fresh, (c, f) -> {
      List<OutboxEntry> entries = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (List<StreamMessage<byte[], byte[]>> list : List.of(c, f == null ? List.<StreamMessage<byte[], byte[]>>of() : f)) {
        for (StreamMessage<byte[], byte[]> m : list) {
          if (seen.add(m.getId())) {
            entries.add(entry(partition, m));
          }
        }
      }
      return entries;
    }));
  }

  /**
   * On one node, the new entries of every partition asked in one XREADGROUP; on a Cluster, and for
   * the takeover of other consumers' entries (every few seconds), a call per partition.
   */
  @Override
  public CompletionStage<List<List<OutboxEntry>>> readOutboxes(
      List<Integer> partitions, String consumer, Duration stale, int count) {
    if (!oneNode || stale != null || partitions.size() < 2) {
      List<CompletableFuture<List<OutboxEntry>>> reads = new ArrayList<>();
      for (int p : partitions) {
        reads.add(readOutbox(p, consumer, stale, count).toCompletableFuture());
      }
      return Futures.all(reads);
    }
    Map<String, Integer> byKey = new HashMap<>();
    List<XReadArgs.StreamOffset<byte[]>> offsets = new ArrayList<>();
    for (int p : partitions) {
      byte[] key = RedisKeys.outbox(p);
      byKey.put(text(key), p);
      offsets.add(XReadArgs.StreamOffset.lastConsumed(key));
    }
    @SuppressWarnings("unchecked")
    XReadArgs.StreamOffset<byte[]>[] streams = offsets.toArray(XReadArgs.StreamOffset[]::new);
    return Stages.translate(redis.xreadgroup(Consumer.from(bytes(GROUP), bytes(consumer)),
            XReadArgs.Builder.count(count), streams)
        .thenApply(messages -> {
          Map<Integer, List<OutboxEntry>> read = new HashMap<>();
          for (StreamMessage<byte[], byte[]> m : messages == null ? List.<StreamMessage<byte[], byte[]>>of() : messages) {
            int p = byKey.get(text(m.getStream()));
            read.computeIfAbsent(p, x -> new ArrayList<>()).add(entry(p, m));
          }
          return partitions.stream().map(p -> read.getOrDefault(p, List.of())).toList();
        }));
  }

  /** An outbox entry; one deleted while pending (no body) has an empty conversion id. */
  private static OutboxEntry entry(int partition, StreamMessage<byte[], byte[]> m) {
    Map<String, String> f = new HashMap<>();
    if (m.getBody() != null) {
      m.getBody().forEach((k, v) -> f.put(text(k), v == null ? "" : text(v)));
    }
    return new OutboxEntry(partition, m.getId(),
        DeliveryTrigger.forNumber(Integer.parseInt(f.getOrDefault("t", "0"))),
        f.getOrDefault("c", ""), f.getOrDefault("a", ""), f.getOrDefault("g", ""),
        ConversionStatus.forNumber(Integer.parseInt(f.getOrDefault("s", "0"))),
        Instant.ofEpochMilli(Long.parseLong(f.getOrDefault("tm", "0"))));
  }

  @Override
  public CompletionStage<Enqueued> enqueue(int partition, List<DeliveryJob> jobs, Instant leaseUntil,
      ClaimBudgets budgets) {
    if (jobs.isEmpty()) {
      return CompletableFuture.completedFuture(new Enqueued(0, List.of()));
    }
    boolean claiming = leaseUntil != null && budgets.any();
    ScriptArgs<EnqueueDeliveries> call = ScriptArgs.of(EnqueueDeliveries.class)
        .set(EnqueueDeliveries.INDEX, RedisKeys.deliveryIndex(partition))
        .set(EnqueueDeliveries.JOB_PREFIX, RedisKeys.deliveryJobPrefix(partition))
        .set(EnqueueDeliveries.QUEUE_PREFIX, RedisKeys.deliveryQueuePrefix(partition))
        .set(EnqueueDeliveries.LEASE_UNTIL_MS, claiming ? Long.toString(leaseUntil.toEpochMilli()) : "0")
        .set(EnqueueDeliveries.DEFAULT_BUDGET, Integer.toString(claiming ? budgets.otherwise() : 0))
        .set(EnqueueDeliveries.BUDGETS, claiming ? budgets.encoded() : "");
    Map<String, DeliveryJob> byId = new HashMap<>();
    for (DeliveryJob j : jobs) {
      if (j.partition() != partition) {
        throw new IllegalArgumentException("Job " + j.deliveryId() + " is not in partition " + partition);
      }
      byId.put(j.deliveryId(), j);
      call.add(EnqueueDeliveries.JOBS, j.deliveryId());
      for (String v : newJobFields(j)) {
        call.add(EnqueueDeliveries.JOBS, v);
      }
    }
    return Stages.translate(ENQUEUE.<List<Object>>run(redis, ScriptOutputType.MULTI, call).thenApply(reply -> {
      List<DeliveryJob> claimed = new ArrayList<>();
      for (Object id : (List<?>) reply.get(1)) {
        DeliveryJob j = byId.get(text(id));
        if (j != null) {
          claimed.add(j);
        }
      }
      return new Enqueued((Long) reply.get(0), claimed);
    }));
  }

  @Override
  public CompletionStage<Void> index(List<DeliveryJob> jobs, Instant trimBefore) {
    Map<String, List<DeliveryJob>> byAccount = jobs.stream()
        .collect(Collectors.groupingBy(DeliveryJob::accountId, LinkedHashMap::new, Collectors.toList()));
    List<CompletableFuture<?>> writes = new ArrayList<>();
    byAccount.forEach((account, list) -> {
      byte[] key = RedisKeys.deliveryLog(account);
      Object[] scoresAndMembers = new Object[list.size() * 2];
      for (int i = 0; i < list.size(); i++) {
        scoresAndMembers[2 * i] = (double) list.get(i).created().toEpochMilli();
        scoresAndMembers[2 * i + 1] = bytes(list.get(i).partition() + ":" + list.get(i).deliveryId());
      }
      writes.add(redis.zadd(key, scoresAndMembers).toCompletableFuture());
      long now = System.currentTimeMillis();
      Long last = trimmedAt.get(account);
      if (last == null || now - last >= TRIM_EVERY_MS) {
        trimmedAt.put(account, now);
        writes.add(redis.zremrangebyscore(key, Range.create(Double.NEGATIVE_INFINITY, (double) trimBefore.toEpochMilli() - 1))
            .toCompletableFuture());
      }
    });
    return Stages.translate(CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)));
  }

  @Override
  public CompletionStage<Void> acknowledge(int partition, List<String> entryIds) {
    if (entryIds.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    String[] ids = entryIds.toArray(String[]::new);
    byte[] key = RedisKeys.outbox(partition);
    var ack = redis.xack(key, bytes(GROUP), ids).toCompletableFuture();
    var del = redis.xdel(key, ids).toCompletableFuture();
    return Stages.translate(CompletableFuture.allOf(ack, del));
  }

  @Override
  public CompletionStage<Claimed> claimDue(int partition, Instant now, Instant leaseUntil, int limit,
      ClaimBudgets budgets) {
    ScriptArgs<ClaimDeliveries> call = ScriptArgs.of(ClaimDeliveries.class)
        .set(ClaimDeliveries.INDEX, RedisKeys.deliveryIndex(partition))
        .set(ClaimDeliveries.NOW_MS, Long.toString(now.toEpochMilli()))
        .set(ClaimDeliveries.LEASE_UNTIL_MS, Long.toString(leaseUntil.toEpochMilli()))
        .set(ClaimDeliveries.LIMIT, Integer.toString(limit))
        .set(ClaimDeliveries.JOB_PREFIX, RedisKeys.deliveryJobPrefix(partition))
        .set(ClaimDeliveries.QUEUE_PREFIX, RedisKeys.deliveryQueuePrefix(partition))
        .set(ClaimDeliveries.DEFAULT_BUDGET, Integer.toString(budgets.otherwise()))
        .set(ClaimDeliveries.BUDGETS, budgets.encoded());
    return Stages.translate(CLAIM.<List<Object>>run(redis, ScriptOutputType.MULTI, call).thenApply(reply -> {
      List<DeliveryJob> jobs = new ArrayList<>();
      for (Object item : (List<?>) reply.get(1)) {
        List<?> pair = (List<?>) item;
        jobs.add(job(partition, text(pair.get(0)), fields((List<?>) pair.get(1))));
      }
      Set<String> stillDue = new HashSet<>();
      for (Object d : (List<?>) reply.get(0)) {
        stillDue.add(text(d));
      }
      return new Claimed(jobs, stillDue);
    }));
  }

  @Override
  public CompletionStage<Void> postpone(DeliveryJob job, Instant due) {
    return finishes.submit(finishLane(job.partition()), new Finish(job, "P", new byte[0], due.toEpochMilli(), 0))
        .thenApply(x -> (Void) null);
  }

  @Override
  public CompletionStage<DeliveryState> finish(
      DeliveryJob job, DeliveryAttempt attempt, DeliveryState next, Instant retryAt, Duration retention) {
    String outcome = next == DeliveryState.DELIVERY_STATE_PENDING ? "R" : Integer.toString(next.getNumber());
    return finishes.submit(finishLane(job.partition()), new Finish(job, outcome,
            attempt == null ? new byte[0] : attempt.toByteArray(), retryAt == null ? 0 : retryAt.toEpochMilli(),
            retention.toMillis()))
        .thenApply(state -> DeliveryState.forNumber(state.intValue()));
  }

  /**
   * One finish_deliveries.lua call for a batch (of one partition on a Cluster, of any on one node):
   * the jobs go grouped by partition, the answers come back in the batch's order.
   */
  private CompletionStage<List<Long>> finishBatch(int lane, List<Finish> batch) {
    Map<Integer, List<Integer>> byPartition = new TreeMap<>();
    for (int i = 0; i < batch.size(); i++) {
      byPartition.computeIfAbsent(batch.get(i).partition(), p -> new ArrayList<>()).add(i);
    }
    ScriptArgs<FinishDeliveries> call = ScriptArgs.of(FinishDeliveries.class)
        .set(FinishDeliveries.ATTEMPTS_KEPT, Integer.toString(ATTEMPTS_KEPT))
        .set(FinishDeliveries.GROUP, GROUP);
    int[] order = new int[batch.size()];
    int k = 0;
    for (Map.Entry<Integer, List<Integer>> group : byPartition.entrySet()) {
      int partition = group.getKey();
      call.add(FinishDeliveries.PARTITION_KEYS, RedisKeys.deliveryIndex(partition))
          .add(FinishDeliveries.PARTITION_KEYS, RedisKeys.outbox(partition))
          .add(FinishDeliveries.PARTITIONS, RedisKeys.deliveryJobPrefix(partition))
          .add(FinishDeliveries.PARTITIONS, RedisKeys.deliveryAttemptsPrefix(partition))
          .add(FinishDeliveries.PARTITIONS, RedisKeys.deliveryQueuePrefix(partition))
          .add(FinishDeliveries.PARTITIONS, Integer.toString(group.getValue().size()));
      for (int i : group.getValue()) {
        order[k++] = i;
        Finish f = batch.get(i);
        call.add(FinishDeliveries.PARTITIONS, f.deliveryId())
            .add(FinishDeliveries.PARTITIONS, f.destination())
            .add(FinishDeliveries.PARTITIONS, f.outcome())
            .add(FinishDeliveries.PARTITIONS, f.attempt())
            .add(FinishDeliveries.PARTITIONS, Long.toString(f.nextMs()))
            .add(FinishDeliveries.PARTITIONS, Long.toString(f.retentionMs()));
        for (String v : f.direct() == null ? NOT_DIRECT : newJobFields(f.direct())) {
          call.add(FinishDeliveries.PARTITIONS, v);
        }
      }
    }
    return Stages.translate(FINISH.<List<Long>>run(redis, ScriptOutputType.MULTI, call).thenApply(states -> {
      if (states.size() != order.length) {
        // Its states could not be told apart by partition: none is trusted, every attempt fails.
        throw new IllegalStateException(
            "finish_deliveries.lua answered " + states.size() + " states for " + order.length + " jobs");
      }
      Long[] inBatchOrder = new Long[order.length];
      for (int i = 0; i < order.length; i++) {
        inBatchOrder[order[i]] = states.get(i);
      }
      return Arrays.asList(inBatchOrder);
    }));
  }

  @Override
  public CompletionStage<Boolean> requeue(int partition, String deliveryId, Set<DeliveryState> from, Instant now) {
    ScriptArgs<RequeueDelivery> call = ScriptArgs.of(RequeueDelivery.class)
        .set(RequeueDelivery.JOB, bytes(RedisKeys.deliveryJobPrefix(partition) + deliveryId))
        .set(RequeueDelivery.ATTEMPTS, bytes(RedisKeys.deliveryAttemptsPrefix(partition) + deliveryId))
        .set(RequeueDelivery.INDEX, RedisKeys.deliveryIndex(partition))
        .set(RequeueDelivery.DELIVERY_ID, deliveryId)
        .set(RequeueDelivery.STATES,
            "," + from.stream().map(s -> Integer.toString(s.getNumber())).collect(Collectors.joining(",")) + ",")
        .set(RequeueDelivery.NOW_MS, Long.toString(now.toEpochMilli()))
        .set(RequeueDelivery.QUEUE_PREFIX, RedisKeys.deliveryQueuePrefix(partition));
    return Stages.translate(REQUEUE.<Long>run(redis, ScriptOutputType.INTEGER, call).thenApply(n -> n == 1L));
  }

  @Override
  public CompletionStage<Optional<DeliveryJob>> job(int partition, String deliveryId) {
    // The job's own fields, not its attempts: a redelivery over a range reads many jobs.
    return Stages.translate(redis.hmget(bytes(RedisKeys.deliveryJobPrefix(partition) + deliveryId), JOB_FIELDS)
        .thenApply(values -> {
          Map<String, String> f = new HashMap<>();
          values.forEach(kv -> {
            if (kv.hasValue()) {
              f.put(text(kv.getKey()), text(kv.getValue()));
            }
          });
          return f.containsKey("st") ? Optional.of(job(partition, deliveryId, f)) : Optional.<DeliveryJob>empty();
        }));
  }

  @Override
  public CompletionStage<Optional<Delivery>> find(int partition, String deliveryId) {
    return Stages.translate(redis.hgetall(bytes(RedisKeys.deliveryJobPrefix(partition) + deliveryId))
        .thenCompose(h -> {
          if (h == null || h.isEmpty()) {
            return CompletableFuture.completedFuture(Optional.<Delivery>empty());
          }
          Map<String, String> f = new HashMap<>();
          TreeMap<Long, byte[]> inHash = new TreeMap<>();
          h.forEach((k, v) -> {
            String name = text(k);
            if (ATTEMPT_FIELD.matcher(name).matches()) {
              inHash.put(Long.parseLong(name.substring(1)), v);
            } else {
              f.put(name, text(v));
            }
          });
          DeliveryJob job = job(partition, deliveryId, f);
          if (f.containsKey("ah")) {
            return CompletableFuture.completedFuture(Optional.of(job.toDelivery(attempts(inHash.values()))));
          }
          // Created by an older server: its attempts are a list of their own.
          return redis.lrange(bytes(RedisKeys.deliveryAttemptsPrefix(partition) + deliveryId), 0, -1)
              .thenApply(list -> Optional.of(job.toDelivery(attempts(list))));
        }));
  }

  private static List<DeliveryAttempt> attempts(Collection<byte[]> stored) {
    List<DeliveryAttempt> out = new ArrayList<>();
    for (byte[] b : stored) {
      try {
        out.add(DeliveryAttempt.parseFrom(b));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("Corrupt delivery attempt", e);
      }
    }
    return out;
  }

  @Override
  public CompletionStage<List<LogRef>> logPage(String accountId, long offset, int count) {
    return Stages.translate(redis.zrevrange(RedisKeys.deliveryLog(accountId), offset, offset + count - 1)
        .thenApply(RedisDeliveryQueue::refs));
  }

  @Override
  public CompletionStage<List<LogRef>> logRange(String accountId, Instant from, Instant to) {
    return Stages.translate(redis.zrangebyscore(RedisKeys.deliveryLog(accountId),
            Range.create((double) from.toEpochMilli(), (double) to.toEpochMilli() - 1))
        .thenApply(RedisDeliveryQueue::refs));
  }

  private static List<LogRef> refs(List<byte[]> members) {
    List<LogRef> refs = new ArrayList<>();
    for (byte[] m : members) {
      String s = text(m);
      int colon = s.indexOf(':');
      refs.add(new LogRef(Integer.parseInt(s.substring(0, colon)), s.substring(colon + 1)));
    }
    return refs;
  }

  @Override
  public CompletionStage<Long> pending(int partitions) {
    List<CompletableFuture<Long>> counts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      String prefix = RedisKeys.deliveryQueuePrefix(p);
      // Outbox entries not yet made into jobs, or whose only job is under its first attempt
      // straight from the entry: each counts as one.
      counts.add(redis.xlen(RedisKeys.outbox(p)).toCompletableFuture());
      counts.add(redis.zrange(RedisKeys.deliveryIndex(p), 0, -1).toCompletableFuture().thenCompose(destinations -> {
        List<CompletableFuture<Long>> each = new ArrayList<>();
        for (byte[] d : destinations) {
          each.add(redis.zcard(bytes(prefix + text(d))).toCompletableFuture());
        }
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
            .thenApply(x -> each.stream().mapToLong(CompletableFuture::join).sum());
      }));
    }
    return Stages.translate(CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
        .thenApply(x -> counts.stream().mapToLong(CompletableFuture::join).sum()));
  }

  private static Map<String, String> fields(List<?> flat) {
    Map<String, String> f = new HashMap<>();
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      f.put(text(flat.get(i)), text(flat.get(i + 1)));
    }
    return f;
  }

  private static DeliveryJob job(int partition, String id, Map<String, String> f) {
    return new DeliveryJob(id, partition, f.getOrDefault("a", ""), f.getOrDefault("o", ""), f.getOrDefault("d", ""),
        f.getOrDefault("c", ""), f.getOrDefault("k", ""), f.getOrDefault("g", ""),
        DeliveryTrigger.forNumber(number(f, "t")), ConversionStatus.forNumber(number(f, "s")),
        DeliveryState.forNumber(number(f, "st")), number(f, "n"),
        Instant.ofEpochMilli(millis(f, "ct")), Instant.ofEpochMilli(millis(f, "q")),
        Instant.ofEpochMilli(millis(f, "na")), f.getOrDefault("e", ""), false);
  }

  private static int number(Map<String, String> f, String field) {
    String v = f.get(field);
    return v == null || v.isEmpty() ? 0 : Integer.parseInt(v);
  }

  private static long millis(Map<String, String> f, String field) {
    String v = f.get(field);
    return v == null || v.isEmpty() ? 0 : Long.parseLong(v);
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
