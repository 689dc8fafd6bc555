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
    Map<String, Double> cpuMicrosPerOp) {

  public static Subject of(String name, String role, String description, Run run, Map<String, Double> cpuSeconds) {
    Map<String, Double> perOp = new java.util.LinkedHashMap<>();
    cpuSeconds.forEach((process, seconds) ->
        perOp.put(process, run.ops() > 0 ? Math.round(seconds * 1e6 / run.ops() * 10) / 10.0 : 0.0));
    return new Subject(name, role, description, run.ops(), round(run.seconds(), 3), round(run.opsPerSecond(), 1),
        run.errors(), run.errorKinds(), round(run.p50Ms(), 3), round(run.p99Ms(), 3), round(run.p999Ms(), 3), round(run.maxMs(), 3), perOp);
  }

  static double round(double value, int digits) {
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }
}
