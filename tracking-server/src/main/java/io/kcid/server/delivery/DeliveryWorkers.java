package io.kcid.server.delivery;

import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryQueue;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery loop of one process. A pass dispatches partitions' outboxes into jobs (claiming
 * the new ones within budget as they are created) and claims due jobs. Not every pass looks at
 * every partition: a sweep every {@link #POLL} (every {@link #IDLE_POLL} once the loop was idle
 * for {@link #IDLE_AFTER}) looks at all of them, for entries other processes wrote and for
 * retries that came due; in between, a pass looks at the partitions this process wrote an outbox
 * entry to ({@link #wake(int)}: the local recorder, so an idle machine delivers at once) and
 * claims again where a claim left due jobs behind once a settled job made room ({@link #wake()}).
 * Several processes may run it against the same Redis. {@link #close} stops claiming and lets
 * sends in flight finish for a grace period; a job still unsettled then is taken over by a worker
 * once its lease expires.
 */
public final class DeliveryWorkers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);
  /** How often entries left by a dead worker are taken over. */
  private static final long RECLAIM_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
  /** How often the pending-jobs gauge is refreshed. */
  private static final long COUNT_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
  /** How often a busy loop sweeps every partition. */
  public static final Duration POLL = Duration.ofMillis(250);
  /** How often an idle loop sweeps every partition. */
  public static final Duration IDLE_POLL = Duration.ofMillis(500);
  /** Jobs a claim between sweeps should be able to take, at least, to be worth a script call. */
  static final int MIN_CLAIM = 8;
  /** How long a loop finds nothing to do before it sweeps at {@link #IDLE_POLL}. */
  public static final Duration IDLE_AFTER = Duration.ofSeconds(1);
  /**
   * While busy, passes start at least this far apart, so that the writes of those milliseconds are
   * dispatched together: one outbox read per partition, one log write and fewer finishes for many
   * conversions, instead of a pass (and a wake-up of this thread) for every one or two. A delivery
   * waits at most this long for it, and only under load: the first write after a quiet pass is
   * dispatched at once.
   */
  public static final Duration GATHER = Duration.ofMillis(10);

  private final DeliveryQueue queue;
  private final DeliveryDispatcher dispatcher;
  private final DeliveryWorker worker;
  private final int partitions;
  private final Duration poll;
  private final Semaphore signal = new Semaphore(0);
  /** Partitions this process wrote an outbox entry to since their last dispatch. */
  private final AtomicIntegerArray written;
  /** Per partition: the destinations its last claim left with due jobs (null: unknown, look). */
  private final List<Set<String>> due;
  private final AtomicLong pending = new AtomicLong();
  /** Passes that dispatched outbox entries, since the start. */
  private final AtomicLong dispatchingPasses = new AtomicLong();
  /** Where the next claim between sweeps starts looking, so that every partition gets its turn. */
  private int cursor;
  private final Thread thread;
  private volatile boolean running;

  /** @param poll how often a busy loop sweeps every partition (an idle one: twice that, at least {@link #IDLE_POLL}) */
  public DeliveryWorkers(DeliveryQueue queue, DeliveryDispatcher dispatcher, DeliveryWorker worker, int partitions,
      Duration poll) {
    this.queue = queue;
    this.dispatcher = dispatcher;
    this.worker = worker;
    this.partitions = partitions;
    this.poll = poll;
    this.written = new AtomicIntegerArray(partitions);
    this.due = new ArrayList<>(Collections.nCopies(partitions, Set.of()));
    this.thread = new Thread(this::loop, "kcid-delivery");
    this.thread.setDaemon(true);
    // A settled job leaves room to claim another: claim it now rather than at the next sweep.
    worker.onSettled(this::wake);
  }

  /** A consumer name unique to this process: host, pid and a random suffix. */
  public static String consumerName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "host";
    }
    return host + "-" + ProcessHandle.current().pid() + "-"
        + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
  }

  /** Starts the loop; returns this. */
  public DeliveryWorkers start() {
    running = true;
    thread.start();
    return this;
  }

  /** Runs the next pass now: a job was settled (room to claim), or anything else changed. */
  public void wake() {
    signal.release();
  }

  /** Runs the next pass now, dispatching {@code partition}: this process wrote to its outbox. */
  public void wake(int partition) {
    if (partition >= 0 && partition < partitions) {
      written.set(partition, 1);
    }
    signal.release();
  }

  /** Passes so far that dispatched outbox entries: while busy, at most one per {@link #GATHER}. */
  long dispatchingPasses() {
    return dispatchingPasses.get();
  }

  /** Pending jobs over all partitions, as last counted (every few seconds). */
  public long pending() {
    return pending.get();
  }

  // The loop's own state, touched only by its thread.
  private boolean groups;
  private long reclaimedAt;
  private long countedAt;
  private long sweptAt;
  private long busyAt;

  /**
   * Runs {@link #pass} until stopped. The pass is a method of its own: a loop that never returns
   * is only ever compiled on-stack, late (on back-edge counts), and C2 took about 0.6 s of CPU
   * for this one whole.
   */
  private void loop() {
    long start = System.nanoTime();
    reclaimedAt = start - RECLAIM_EVERY_NANOS;
    countedAt = start - COUNT_EVERY_NANOS;
    sweptAt = start - poll.toNanos();
    busyAt = start;
    while (running) {
      try {
        pass();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        log.warn("Delivery pass failed, retrying in 1 s: {}", e.toString());
        groups = false; // a Redis that lost its data lost the consumer groups too (NOGROUP): create them again
        try {
          signal.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** One pass: dispatches the outboxes written to (all on a sweep), claims due jobs, then waits for a wake-up. */
  private void pass() throws Exception {
    if (!groups) {
      await(queue.createGroups(partitions).toCompletableFuture());
      groups = true;
    }
    long now = System.nanoTime();
    boolean idle = now - busyAt >= IDLE_AFTER.toNanos();
    long every = (idle ? Math.max(IDLE_POLL.toNanos(), poll.toNanos()) : poll.toNanos());
    boolean sweep = now - sweptAt >= every;
    if (sweep) {
      sweptAt = now;
    }
    boolean reclaim = sweep && now - reclaimedAt >= RECLAIM_EVERY_NANOS;
    if (reclaim) {
      reclaimedAt = now;
    }
    int entries = dispatch(sweep, reclaim);
    if (entries > 0) {
      dispatchingPasses.incrementAndGet();
    }
    worker.retryWaiting();
    worker.forgetStaleEvents();
    int jobs = claim(sweep);
    if (System.nanoTime() - countedAt >= COUNT_EVERY_NANOS) {
      countedAt = System.nanoTime();
      queue.pending(partitions).thenAccept(pending::set);
    }
    boolean busy = entries > 0 || jobs > 0 || worker.inFlight() > 0;
    if (busy) {
      busyAt = System.nanoTime();
      long gather = now + GATHER.toNanos() - busyAt;
      if (gather > 0) {
        TimeUnit.NANOSECONDS.sleep(gather);
      }
    }
    // Wait for a wake-up (a write, a settled job) or the next sweep, whichever first. An idle
    // loop forgets the wake-ups that came meanwhile: its next pass looks anyway.
    long untilSweep = sweptAt + every - System.nanoTime();
    boolean woken = untilSweep > 0 && signal.tryAcquire(untilSweep, TimeUnit.NANOSECONDS);
    if (woken || !busy) {
      signal.drainPermits();
    }
  }

  /** Dispatches the outboxes written to since the last pass (every one on a sweep); returns the entries dispatched. */
  private int dispatch(boolean sweep, boolean reclaim) throws Exception {
    List<Integer> toDispatch = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      if (written.getAndSet(p, 0) == 1 || sweep) {
        toDispatch.add(p);
      }
    }
    if (toDispatch.isEmpty()) {
      return 0;
    }
    // Read every outbox first (on one node, in one call), then create the jobs: the worker's
    // budgets are shared out by the jobs each partition has, not by the order answers come in.
    List<DeliveryDispatcher.Read> reads = await(dispatcher.readAll(toDispatch, reclaim).toCompletableFuture());
    // One log write per account for the whole pass, not one per partition read.
    await(dispatcher.index(reads).toCompletableFuture());
    List<CompletableFuture<Integer>> dispatched = new ArrayList<>();
    for (DeliveryDispatcher.Read read : reads) {
      dispatched.add(dispatcher.commit(read, worker).toCompletableFuture());
    }
    return sum(dispatched);
  }

  /** Claims due jobs within the worker's budgets (every partition on a sweep); returns the jobs claimed. */
  private int claim(boolean sweep) throws Exception {
    ClaimBudgets budgets = worker.budgets();
    List<Integer> toClaim = sweep ? allPartitions() : worthClaimingBetweenSweeps(budgets);
    int jobs = 0;
    if (!toClaim.isEmpty() && budgets.any()) {
      List<CompletableFuture<DeliveryQueue.Claimed>> claimed = new ArrayList<>();
      for (int p : toClaim) {
        claimed.add(worker.claim(p, toClaim.size()).toCompletableFuture());
      }
      await(CompletableFuture.allOf(claimed.toArray(CompletableFuture[]::new)));
      for (int i = 0; i < toClaim.size(); i++) {
        DeliveryQueue.Claimed c = claimed.get(i).join();
        due.set(toClaim.get(i), c.stillDue());
        jobs += c.jobs().size();
      }
    }
    return jobs;
  }

  private List<Integer> allPartitions() {
    List<Integer> all = new ArrayList<>(partitions);
    for (int p = 0; p < partitions; p++) {
      all.add(p);
    }
    return all;
  }

  /**
   * Between sweeps, only partitions left with due jobs of a destination that has room now (or not
   * known to have none); and no more of them than makes each claim worth a script call (at least
   * {@link #MIN_CLAIM} jobs each), taken in turn from {@link #cursor} so that none waits for long.
   */
  private List<Integer> worthClaimingBetweenSweeps(ClaimBudgets budgets) {
    List<Integer> toClaim = new ArrayList<>();
    int room = 0;
    Set<String> counted = new HashSet<>();
    for (int i = 0; i < partitions; i++) {
      int p = (cursor + i) % partitions;
      Set<String> left = due.get(p);
      boolean wanted = left == null;
      if (left != null) {
        for (String d : left) {
          if (budgets.of(d) > 0) {
            wanted = true;
            if (counted.add(d)) {
              room += budgets.of(d);
            }
          }
        }
      }
      if (wanted) {
        toClaim.add(p);
      }
    }
    int worth = Math.max(1, room / MIN_CLAIM);
    if (toClaim.size() > worth) {
      toClaim = new ArrayList<>(toClaim.subList(0, worth));
    }
    if (!toClaim.isEmpty()) {
      cursor = (toClaim.get(toClaim.size() - 1) + 1) % partitions;
    }
    return toClaim;
  }

  private static int sum(List<CompletableFuture<Integer>> counts) throws Exception {
    await(CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new)));
    return counts.stream().mapToInt(CompletableFuture::join).sum();
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Stops claiming; waits up to {@code grace} for the pass and the sends in flight. */
  public void close(Duration grace) {
    running = false;
    wake();
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      thread.join(Math.max(1, grace.toMillis()));
      while (worker.inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
