package io.kcid.bench.load;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed loop: exactly {@code inFlight} operations outstanding; each completion starts the next.
 * Measures the maximum throughput at that concurrency; its latency is service time under that
 * load (a closed loop cannot show queueing delay it causes itself: see {@link OpenLoop}).
 *
 * <p>The generator's own cost per operation is kept to a clock read and a histogram record: each of
 * the {@code inFlight} slots is one reused object that is its operation's completion callback, and
 * the next operation starts on the thread that saw the previous one end (with a direct-executor
 * gRPC channel, the transport's event loop: no thread hop).
 */
public final class ClosedLoop {
  private final CallbackOp op;
  private final int inFlight;
  private final Recorder recorder = new Recorder(3);
  private volatile boolean running = true;
  private final java.util.concurrent.atomic.AtomicLong seq = new java.util.concurrent.atomic.AtomicLong();
  private final LongAdder done = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final AtomicInteger outstanding = new AtomicInteger();
  private final Map<String, Long> errorKinds = new ConcurrentHashMap<>();

  private ClosedLoop(CallbackOp op, int inFlight) {
    this.op = op;
    this.inFlight = inFlight;
  }

  /** Runs {@code warmup}, then measures for {@code measure} or until {@code exhausted} says the work ran out. */
  public static Run run(CallbackOp op, int inFlight, Duration warmup, Duration measure, Window window, BooleanSupplier exhausted)
      throws InterruptedException {
    return new ClosedLoop(op, inFlight).measure(warmup, measure, window, exhausted);
  }

  public static Run run(CallbackOp op, int inFlight, Duration warmup, Duration measure, Window window)
      throws InterruptedException {
    return run(op, inFlight, warmup, measure, window, () -> false);
  }

  public static Run run(AsyncOp op, int inFlight, Duration warmup, Duration measure, Window window, BooleanSupplier exhausted)
      throws InterruptedException {
    return run(CallbackOp.of(op), inFlight, warmup, measure, window, exhausted);
  }

  public static Run run(AsyncOp op, int inFlight, Duration warmup, Duration measure, Window window)
      throws InterruptedException {
    return run(CallbackOp.of(op), inFlight, warmup, measure, window, () -> false);
  }

  private Run measure(Duration warmup, Duration measure, Window window, BooleanSupplier exhausted)
      throws InterruptedException {
    // Started on a thread of their own: an operation that completes inside its own start keeps its
    // slot's loop on the starting thread until the run stops, and this one must go on to stop it.
    Thread starter = new Thread(() -> {
      for (int i = 0; i < inFlight; i++) {
        new Slot().fire();
      }
    }, "closed-loop-start");
    starter.setDaemon(true);
    starter.start();
    Thread.sleep(warmup.toMillis());
    // A server still starting on a busy machine may answer nothing within a short warm-up (the
    // quick run's 1 s): warm up until it has answered once, for at most MAX_EXTENSION more.
    awaitOne(() -> done.sum() + errors.sum() > 0, exhausted);
    recorder.getIntervalHistogram();
    long done0 = done.sum();
    long errors0 = errors.sum();
    errorKinds.clear();
    window.begin();
    long t0 = System.nanoTime();
    long end = t0 + measure.toNanos();
    while (System.nanoTime() < end && !exhausted.getAsBoolean()) {
      Thread.sleep(Math.max(1, Math.min(50, (end - System.nanoTime()) / 1_000_000)));
    }
    // Likewise a window shorter than one answer's latency would measure nothing: it then lasts
    // until one operation completed (the rate stays honest: it is over the window's real length).
    awaitOne(() -> done.sum() > done0, exhausted);
    long t1 = System.nanoTime();
    long ops = done.sum() - done0;
    long failed = errors.sum() - errors0;
    Map<String, Long> failedKinds = Map.copyOf(errorKinds);
    Histogram latency = recorder.getIntervalHistogram();
    window.end();
    running = false;
    long drainUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
      Thread.sleep(10);
    }
    return Run.of(ops, (t1 - t0) / 1e9, failed, latency, failedKinds);
  }

  private static final Duration MAX_EXTENSION = Duration.ofSeconds(30);

  private static void awaitOne(BooleanSupplier answered, BooleanSupplier exhausted) throws InterruptedException {
    long until = System.nanoTime() + MAX_EXTENSION.toNanos();
    while (!answered.getAsBoolean() && !exhausted.getAsBoolean() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
  }

  /** One of the {@code inFlight} places: starts an operation, and the next one when it ends. */
  private final class Slot implements CallbackOp.Completion {
    /**
     * Starts asked for and not yet made. An operation may complete inside its own start (an
     * in-process transport, an immediate failure): the call that moved this from 0 makes the starts
     * in a loop, so that completions never recurse into the next start on the same stack.
     */
    private final AtomicInteger pendingStarts = new AtomicInteger();
    private long started;

    void fire() {
      if (pendingStarts.getAndIncrement() != 0) {
        return;
      }
      do {
        startOne();
      } while (pendingStarts.decrementAndGet() != 0);
    }

    private void startOne() {
      if (!running) {
        return;
      }
      outstanding.incrementAndGet();
      started = System.nanoTime();
      try {
        op.start(seq.getAndIncrement(), this);
      } catch (RuntimeException e) {
        completed(e);
      }
    }

    @Override
    public void completed(Throwable failure) {
      if (failure == null) {
        recorder.recordValue(System.nanoTime() - started);
        done.increment();
      } else {
        errors.increment();
        errorKinds.merge(Run.kind(failure), 1L, Long::sum);
      }
      outstanding.decrementAndGet();
      fire();
    }
  }
}
