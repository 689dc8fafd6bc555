package io.kcid.server.delivery;

import io.kcid.server.store.DeliveryQueue;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery loop of one process: each pass dispatches every partition's outbox into jobs, then
 * claims and starts the due jobs. An idle loop waits for the next poll or for {@link #wake} (the
 * local recorder wrote an outbox entry), so an idle machine delivers at once. Several processes
 * may run it against the same Redis. {@link #close} stops claiming and lets sends in flight finish
 * for a grace period; a job still unsettled then is taken over by a worker once its lease expires.
 */
public final class DeliveryWorkers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);
  /** How often entries left by a dead worker are taken over. */
  private static final long RECLAIM_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
  /** How often the pending-jobs gauge is refreshed. */
  private static final long COUNT_EVERY_NANOS = Duration.ofSeconds(5).toNanos();
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);
  /** How long an idle loop waits for work when nothing wakes it. */
  public static final Duration POLL = Duration.ofMillis(250);

  private final DeliveryQueue queue;
  private final DeliveryDispatcher dispatcher;
  private final DeliveryWorker worker;
  private final int partitions;
  private final Duration poll;
  private final Semaphore signal = new Semaphore(0);
  private final AtomicLong pending = new AtomicLong();
  private final Thread thread;
  private volatile boolean running;

  /** @param poll how long an idle loop waits when nothing wakes it */
  public DeliveryWorkers(DeliveryQueue queue, DeliveryDispatcher dispatcher, DeliveryWorker worker, int partitions,
      Duration poll) {
    this.queue = queue;
    this.dispatcher = dispatcher;
    this.worker = worker;
    this.partitions = partitions;
    this.poll = poll;
    this.thread = new Thread(this::loop, "kcid-delivery");
    this.thread.setDaemon(true);
    // A settled job leaves room to claim another: claim it now rather than at the next poll.
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

  /** Runs the next pass now (the local recorder wrote an outbox entry). */
  public void wake() {
    signal.release();
  }

  /** Pending jobs over all partitions, as last counted (every few seconds). */
  public long pending() {
    return pending.get();
  }

  private void loop() {
    boolean groups = false;
    long reclaimedAt = System.nanoTime() - RECLAIM_EVERY_NANOS;
    long countedAt = System.nanoTime() - COUNT_EVERY_NANOS;
    while (running) {
      try {
        if (!groups) {
          await(queue.createGroups(partitions).toCompletableFuture());
          groups = true;
        }
        boolean reclaim = System.nanoTime() - reclaimedAt >= RECLAIM_EVERY_NANOS;
        if (reclaim) {
          reclaimedAt = System.nanoTime();
        }
        List<CompletableFuture<Integer>> dispatched = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          dispatched.add(dispatcher.dispatch(p, reclaim).toCompletableFuture());
        }
        int entries = sum(dispatched);
        worker.retryWaiting();
        List<CompletableFuture<Integer>> claimed = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
          claimed.add(worker.deliverDue(p).toCompletableFuture());
        }
        int jobs = sum(claimed);
        if (System.nanoTime() - countedAt >= COUNT_EVERY_NANOS) {
          countedAt = System.nanoTime();
          queue.pending(partitions).thenAccept(pending::set);
        }
        if (entries == 0 && jobs == 0) {
          signal.tryAcquire(poll.toMillis(), TimeUnit.MILLISECONDS);
          signal.drainPermits();
        }
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
