package io.kcid.bench.report;

import java.util.List;

/**
 * The same scenario measured by an independent load generator (ghz) against the same server in the
 * same run: its kcid and no-op subjects, its ratio, and the bench's own ratio beside it. Two
 * generators agreeing is evidence the ratio is the server's, not the generator's.
 *
 * @param subjects kcid first, then the baseline, as measured by {@code tool}
 */
public record CrossCheck(String tool, List<Subject> subjects, double ratio, double benchRatio) {
  public static CrossCheck of(String tool, Subject kcid, Subject baseline, double benchRatio) {
    return new CrossCheck(tool, List.of(kcid, baseline), Subject.round(ratio(kcid.opsPerSecond(), baseline.opsPerSecond()), 3),
        benchRatio);
  }

  /** kcid's throughput over the baseline's; 0 when the baseline did nothing (no ratio to speak of). */
  public static double ratio(double kcidOpsPerSecond, double baselineOpsPerSecond) {
    return baselineOpsPerSecond > 0 ? kcidOpsPerSecond / baselineOpsPerSecond : 0;
  }
}
