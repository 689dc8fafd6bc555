package io.kcid.bench.load;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measured run of a load generator: completed operations over the measured seconds, failed
 * ones, and latency percentiles in milliseconds.
 */
public record Run(long ops, double seconds, long errors, double p50Ms, double p99Ms, double p999Ms, double maxMs,
    Map<String, Long> errorKinds, Histogram latencyNanos) {
  public Run(long ops, double seconds, long errors, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
    this(ops, seconds, errors, p50Ms, p99Ms, p999Ms, maxMs, Map.of(), null);
  }

  public Run(long ops, double seconds, long errors, double p50Ms, double p99Ms, double p999Ms, double maxMs,
      Map<String, Long> errorKinds) {
    this(ops, seconds, errors, p50Ms, p99Ms, p999Ms, maxMs, errorKinds, null);
  }

  /** Runs of one subject in several rounds as one: operations, time and errors added, histograms merged. */
  public static Run merge(java.util.List<Run> runs) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no runs to merge");
    }
    Histogram all = null;
    long ops = 0;
    long errors = 0;
    double seconds = 0;
    Map<String, Long> kinds = new java.util.TreeMap<>();
    for (Run run : runs) {
      if (run.latencyNanos() == null) {
        throw new IllegalArgumentException("only runs with a latency histogram can be merged");
      }
      if (all == null) {
        all = run.latencyNanos().copy();
      } else {
        all.add(run.latencyNanos());
      }
      ops += run.ops();
      errors += run.errors();
      seconds += run.seconds();
      run.errorKinds().forEach((k, v) -> kinds.merge(k, v, Long::sum));
    }
    return of(ops, seconds, errors, all, kinds);
  }

  /** More than one call in a thousand failed: the run measured the failure path, not the operation. */
  public boolean failedMoreThanOneInAThousand() {
    return errors > ops / 1000;
  }

  public double opsPerSecond() {
    return seconds > 0 ? ops / seconds : 0;
  }

  /** From a histogram of nanoseconds. */
  public static Run of(long ops, double seconds, long errors, Histogram nanos, Map<String, Long> errorKinds) {
    return new Run(ops, seconds, errors,
        nanos.getValueAtPercentile(50) / 1e6, nanos.getValueAtPercentile(99) / 1e6,
        nanos.getValueAtPercentile(99.9) / 1e6, nanos.getMaxValue() / 1e6, Map.copyOf(errorKinds), nanos);
  }

  /** A short name for why an operation failed: the gRPC status code, else the exception's class. */
  public static String kind(Throwable failure) {
    Throwable t = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (t instanceof io.grpc.StatusRuntimeException e) {
      return e.getStatus().getCode().name();
    }
    return t.getClass().getSimpleName();
  }
}
