package io.kcid.bench.load;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Open loop at a constant rate, free of coordinated omission: operation {@code i} is due at
 * {@code start + i / rate} whether or not earlier ones have answered, and its latency is measured
 * from that intended start (wrk2's method), so a stall counts against every request it delays.
 * Operations are never skipped to catch up; beyond {@value #MAX_OUTSTANDING} outstanding the run
 * is overloaded and further ones are counted as errors instead of being sent.
 */
public final class OpenLoop {
  private static final int MAX_OUTSTANDING = 50_000;

  private OpenLoop() {}

  public static Run run(AsyncOp op, double ratePerSecond, Duration warmup, Duration measure, Window window) {
    return run(CallbackOp.of(op), ratePerSecond, warmup, measure, window);
  }

  public static Run run(CallbackOp op, double ratePerSecond, Duration warmup, Duration measure, Window window) {
    Recorder recorder = new Recorder(3);
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicInteger outstanding = new AtomicInteger();
    java.util.Map<String, Long> errorKinds = new java.util.concurrent.ConcurrentHashMap<>();
    double periodNanos = 1e9 / ratePerSecond;
    long start = System.nanoTime();
    long measureStart = start + warmup.toNanos();
    long measureEnd = measureStart + measure.toNanos();
    boolean measuring = false;
    long done0 = 0;
    long errors0 = 0;
    for (long i = 0; ; i++) {
      long intended = start + (long) (i * periodNanos);
      if (!measuring && intended >= measureStart) {
        recorder.getIntervalHistogram();
        done0 = done.get();
        errors0 = errors.get();
        errorKinds.clear();
        window.begin();
        measuring = true;
      }
      if (intended >= measureEnd) {
        break;
      }
      long wait;
      while ((wait = intended - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      if (outstanding.get() >= MAX_OUTSTANDING) {
        errors.incrementAndGet();
        errorKinds.merge("not sent: overloaded", 1L, Long::sum);
        continue;
      }
      outstanding.incrementAndGet();
      try {
        op.start(i, failure -> {
          if (failure == null) {
            recorder.recordValue(System.nanoTime() - intended);
            done.incrementAndGet();
          } else {
            errors.incrementAndGet();
            errorKinds.merge(Run.kind(failure), 1L, Long::sum);
          }
          outstanding.decrementAndGet();
        });
      } catch (RuntimeException e) {
        errors.incrementAndGet();
        outstanding.decrementAndGet();
      }
    }
    // Operations due inside the window are measured to their completion, however late.
    long drainUntil = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (outstanding.get() > 0 && System.nanoTime() < drainUntil) {
      LockSupport.parkNanos(1_000_000);
    }
    Histogram latency = recorder.getIntervalHistogram();
    window.end();
    return Run.of(done.get() - done0, measure.toNanos() / 1e9, errors.get() - errors0 + outstanding.get(), latency, errorKinds);
  }
}
