package io.kcid.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the bench's own gRPC load generator cost in a run, against the figures issue #18 measured
 * for an efficient grpc-java client on an idle 2-core machine (~9 µs of CPU per no-op call, ~90,000
 * no-op calls/s), and why the run fell short of them when it did. A heavy generator takes CPU from
 * the server on a shared machine and pulls every ratio toward 1, so this is reported, not assumed.
 */
public final class GeneratorCheck {
  /** Efficient-client reference: CPU µs per no-op call. */
  public static final double REFERENCE_MICROS_PER_CALL = 9;
  /** Efficient-client reference: no-op calls/s per core (90,000 on the 2-core machine). */
  public static final double REFERENCE_CALLS_PER_SECOND_PER_CORE = 45_000;
  private static final String NO_OP = "no-op (Health/Check)";
  private static final String GENERATOR_THREADS = "load-generator (gRPC threads)";

  private GeneratorCheck() {}

  /** The load-generator section of a report from the no-op subjects of its gRPC scenarios; empty when none ran. */
  public static Map<String, Object> of(List<ScenarioResult> scenarios, int cores, double loadBefore, double loadAfter) {
    Subject best = null;
    Subject ghz = null;
    for (ScenarioResult s : scenarios) {
      for (Subject subject : s.subjects()) {
        if (subject.name().equals(NO_OP) && (best == null || subject.opsPerSecond() > best.opsPerSecond())) {
          best = subject;
        }
      }
      if (s.crossCheck() != null) {
        Subject candidate = s.crossCheck().subjects().get(1);
        if (ghz == null || candidate.opsPerSecond() > ghz.opsPerSecond()) {
          ghz = candidate;
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    if (best == null) {
      return out;
    }
    double jvm = best.cpuMicrosPerOp().getOrDefault("load-generator", Double.NaN);
    double micros = best.cpuMicrosPerOp().getOrDefault(GENERATOR_THREADS, jvm);
    out.put("no-op calls/s (bench generator)", Math.round(best.opsPerSecond()));
    out.put("generator CPU µs per no-op call (its gRPC event-loop threads, /proc)", micros);
    out.put("bench JVM CPU µs per no-op call (all threads: with JIT, GC)", jvm);
    if (ghz != null) {
      out.put("no-op calls/s (ghz)", Math.round(ghz.opsPerSecond()));
      out.put("ghz CPU µs per no-op call", ghz.cpuMicrosPerOp().getOrDefault("load-generator", Double.NaN));
    }
    out.put("reference (efficient grpc-java client, idle machine)", String.format(Locale.ROOT,
        "~%.0f µs per call, ~%,.0f no-op calls/s on %d cores", REFERENCE_MICROS_PER_CALL, expectedRate(cores), cores));
    out.put("verdict", verdict(best.opsPerSecond(), micros, cores, loadBefore, loadAfter));
    return out;
  }

  /** The no-op rate an efficient client reaches on an idle machine with {@code cores} cores. */
  static double expectedRate(int cores) {
    return REFERENCE_CALLS_PER_SECOND_PER_CORE * Math.max(1, cores);
  }

  /**
   * "near" when the no-op rate is at least 70% of the reference for this core count; else the
   * likeliest reason, in order: the machine was busy (1-minute load average above half the cores
   * before the run started, when the bench's own processes were idle; the load after includes the
   * bench's own and is reported only), the generator itself is heavy (over twice
   * the reference µs per call), or neither (the server's own cost per call).
   */
  static String verdict(double rate, double generatorMicros, int cores, double loadBefore, double loadAfter) {
    double expected = expectedRate(cores);
    String share = String.format(Locale.ROOT, "%.0f%% of the ~%,.0f/s an efficient client reaches on an idle %d-core machine",
        100 * rate / expected, expected, cores);
    if (rate >= 0.7 * expected) {
      return "near the efficient-client figure: " + share;
    }
    if (loadBefore > cores * 0.5) {
      return String.format(Locale.ROOT, "far below: %s; the machine was busy (load average %.2f before the run, %.2f after"
          + " it with the bench's own processes, on %d cores): other work shared the CPU", share, loadBefore, loadAfter, cores);
    }
    if (generatorMicros > 2 * REFERENCE_MICROS_PER_CALL) {
      return String.format(Locale.ROOT, "far below: %s; the generator itself spent %.1f µs of CPU per call", share,
          generatorMicros);
    }
    return String.format(Locale.ROOT, "far below: %s, on an idle machine with a cheap generator: the server's CPU per"
        + " no-op call sets the rate", share);
  }
}
