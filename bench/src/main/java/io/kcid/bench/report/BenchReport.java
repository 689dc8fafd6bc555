package io.kcid.bench.report;

import java.util.List;
import java.util.Map;

/**
 * A whole run: where and how it ran, what the load generator itself cost, and every scenario's
 * result. The JSON file is this record.
 */
public record BenchReport(
    String date,
    String command,
    boolean quick,
    Map<String, String> machine,
    Map<String, String> versions,
    Map<String, String> jvmFlags,
    Map<String, Object> settings,
    List<ScenarioResult> scenarios,
    Map<String, Object> loadGenerator) {}
