package io.kcid.bench.load;

import org.HdrHistogram.Histogram;

/**
 * One measured run of a load generator: completed operations over the measured seconds, failed
 * ones, and latency percentiles in milliseconds.
 */
public record Run(long ops, double seconds, long errors, double p50Ms, double p99Ms, double p999Ms, double maxMs) {
  public double opsPerSecond() {
    return seconds > 0 ? ops / seconds : 0;
  }

  /** From a histogram of nanoseconds. */
  public static Run of(long ops, double seconds, long errors, Histogram nanos) {
    return new Run(ops, seconds, errors,
        nanos.getValueAtPercentile(50) / 1e6, nanos.getValueAtPercentile(99) / 1e6,
        nanos.getValueAtPercentile(99.9) / 1e6, nanos.getMaxValue() / 1e6);
  }
}
