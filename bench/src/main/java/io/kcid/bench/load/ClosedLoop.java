package io.kcid.bench.load;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed loop: exactly {@code inFlight} operations outstanding; each completion starts the next.
 * Measures the maximum throughput at that concurrency; its latency is service time under that
 * load (a closed loop cannot show queueing delay it causes itself: see {@link OpenLoop}).
 */
public final class ClosedLoop {
  private final AsyncOp op;
  private final int inFlight;
  private final Recorder recorder = new Recorder(3);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong seq = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final java.util.Map<String, Long> errorKinds = new java.util.concurrent.ConcurrentHashMap<>();

  private ClosedLoop(AsyncOp op, int inFlight) {
    this.op = op;
    this.inFlight = inFlight;
  }

  /** Runs {@code warmup}, then measures for {@code measure} or until {@code exhausted} says the work ran out. */
  public static Run run(AsyncOp op, int inFlight, Duration warmup, Duration measure, Window window, BooleanSupplier exhausted)
      throws InterruptedException {
    return new ClosedLoop(op, inFlight).measure(warmup, measure, window, exhausted);
  }

  public static Run run(AsyncOp op, int inFlight, Duration warmup, Duration measure, Window window)
      throws InterruptedException {
    return run(op, inFlight, warmup, measure, window, () -> false);
  }

  private Run measure(Duration warmup, Duration measure, Window window, BooleanSupplier exhausted)
      throws InterruptedException {
    for (int i = 0; i < inFlight; i++) {
      fire();
    }
    Thread.sleep(warmup.toMillis());
    recorder.getIntervalHistogram();
    long done0 = done.get();
    long errors0 = errors.get();
    errorKinds.clear();
    window.begin();
    long t0 = System.nanoTime();
    long end = t0 + measure.toNanos();
    while (System.nanoTime() < end && !exhausted.getAsBoolean()) {
      Thread.sleep(Math.max(1, Math.min(50, (end - System.nanoTime()) / 1_000_000)));
    }
    long t1 = System.nanoTime();
    long ops = done.get() - done0;
    long failed = errors.get() - errors0;
    java.util.Map<String, Long> failedKinds = java.util.Map.copyOf(errorKinds);
    Histogram latency = recorder.getIntervalHistogram();
    window.end();
    running.set(false);
    long drainUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(10);
    }
    return Run.of(ops, (t1 - t0) / 1e9, failed, latency, failedKinds);
  }

  private void fire() {
    if (!running.get()) {
      return;
    }
    outstanding.incrementAndGet();
    long started = System.nanoTime();
    try {
      op.start(seq.getAndIncrement()).whenComplete((result, failure) -> complete(started, failure));
    } catch (RuntimeException e) {
      complete(started, e);
    }
  }

  private void complete(long started, Throwable failure) {
    long elapsed = System.nanoTime() - started;
    if (failure == null) {
      recorder.recordValue(elapsed);
      done.incrementAndGet();
    } else {
      errors.incrementAndGet();
      errorKinds.merge(Run.kind(failure), 1L, Long::sum);
    }
    outstanding.decrementAndGet();
    fire();
  }
}
