package io.kcid.bench.report;

import io.kcid.bench.load.Run;
import java.util.Map;

/**
 * One measured thing in a scenario: kcid itself ({@code role = "kcid"}) or a baseline. CPU is per
 * process, in microseconds of CPU (user + system) per completed operation.
 */
public record Subject(
    String name,
    String role,
    String description,
    long ops,
    double seconds,
    double opsPerSecond,
    long errors,
    Map<String, Long> errorKinds,
    double p50Ms,
    double p99Ms,
    double p999Ms,
    double maxMs,
    Map<String, Double> cpuMicrosPerOp,
    String loadAverage) {

  /**
   * What a measured interval cost: CPU seconds per process, and the machine's 1-minute load average
   * at its start and end (other work on a shared machine shows there).
   */
  public record Cost(Map<String, Double> cpuSeconds, String loadAverage) {}

  public static Subject of(String name, String role, String description, Run run, Cost cost) {
    Map<String, Double> perOp = new java.util.LinkedHashMap<>();
    cost.cpuSeconds().forEach((process, seconds) ->
        perOp.put(process, run.ops() > 0 ? Math.round(seconds * 1e6 / run.ops() * 10) / 10.0 : 0.0));
    return new Subject(name, role, description, run.ops(), round(run.seconds(), 3), round(run.opsPerSecond(), 1),
        run.errors(), run.errorKinds(), round(run.p50Ms(), 3), round(run.p99Ms(), 3), round(run.p999Ms(), 3), round(run.maxMs(), 3), perOp, cost.loadAverage());
  }

  static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }
}
