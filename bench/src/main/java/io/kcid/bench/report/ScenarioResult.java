package io.kcid.bench.report;

import java.util.List;
import java.util.Map;

/**
 * A scenario's outcome: its subjects (kcid first, then baselines), the metric the issue sets a
 * target on, its value in this run, and whether the target was met.
 *
 * @param metric what {@code value} is, e.g. "ops/s ratio to the no-op"
 * @param target the target as written in the issue, e.g. "≥ 0.6"
 * @param met null when the scenario has no target
 * @param details further measurements (Redis commands per operation, memory, rates)
 * @param crossCheck the same scenario measured by ghz, for the gRPC scenarios; else null
 */
public record ScenarioResult(
    String id,
    String title,
    List<Subject> subjects,
    String metric,
    double value,
    String target,
    Boolean met,
    Map<String, Object> details,
    CrossCheck crossCheck) {

  public ScenarioResult(String id, String title, List<Subject> subjects, String metric, double value, String target,
      Boolean met, Map<String, Object> details) {
    this(id, title, subjects, metric, value, target, met, details, null);
  }

  public ScenarioResult withCrossCheck(CrossCheck check) {
    return new ScenarioResult(id, title, subjects, metric, value, target, met, details, check);
  }
}
