package io.kcid.bench.load;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * One measured run of a load generator: completed operations over the measured seconds, failed
 * ones, and latency percentiles in milliseconds.
 */
public record Run(long ops, double seconds, long errors, double p50Ms, double p99Ms, double p999Ms, double maxMs,
    Map<String, Long> errorKinds) {
  public Run(long ops, double seconds, long errors, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
    this(ops, seconds, errors, p50Ms, p99Ms, p999Ms, maxMs, Map.of());
  }

  public double opsPerSecond() {
    return seconds > 0 ? ops / seconds : 0;
  }

  /** From a histogram of nanoseconds. */
  public static Run of(long ops, double seconds, long errors, Histogram nanos, Map<String, Long> errorKinds) {
    return new Run(ops, seconds, errors,
        nanos.getValueAtPercentile(50) / 1e6, nanos.getValueAtPercentile(99) / 1e6,
        nanos.getValueAtPercentile(99.9) / 1e6, nanos.getMaxValue() / 1e6, Map.copyOf(errorKinds));
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
