package io.kcid.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The results as rows: a targets table and a measurements table, for the terminal and for Markdown. */
public final class Tables {
  private Tables() {}

  public static List<List<String>> targets(List<ScenarioResult> scenarios) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("scenario", "metric", "value", "target", "met"));
    for (ScenarioResult s : scenarios) {
      rows.add(List.of(s.id(), s.metric(), number(s.value()), s.target() == null ? "—" : s.target(),
          s.met() == null ? "—" : s.met() ? "yes" : "NO"));
    }
    return rows;
  }

  /**
   * The headline: each scenario's CPU µs per operation by process (the figure that carries across
   * machines), beside its ratio by the bench's generator and by ghz, and the floor it is compared
   * with: the scenario's first baseline, plus Redis' per-PING CPU when the run measured it.
   */
  public static List<List<String>> cpuHeadline(List<ScenarioResult> scenarios) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("scenario", "ratio (bench)", "ratio (ghz)", "kcid CPU µs/op by process", "floor", "floor CPU µs/op by process"));
    Double redisPerPing = redisPerPing(scenarios);
    for (ScenarioResult s : scenarios) {
      if (s.subjects().isEmpty()) {
        continue;
      }
      Subject kcid = s.subjects().get(0);
      Subject floor = s.subjects().stream().filter(b -> b.role().equals("baseline")).findFirst().orElse(null);
      String floorCpu = floor == null ? "—" : cpu(floor.cpuMicrosPerOp());
      boolean usesRedis = kcid.cpuMicrosPerOp().containsKey("redis");
      if (usesRedis && redisPerPing != null && (floor == null || !floor.name().equals("PING"))) {
        floorCpu += (floorCpu.equals("—") ? "" : "; ") + String.format(Locale.ROOT, "Redis PING: redis %.1f", redisPerPing);
      }
      String ratio = s.metric().startsWith("ops/s ratio") ? number(s.value()) : "—";
      String ghz = s.crossCheck() == null ? "—" : number(s.crossCheck().ratio());
      rows.add(List.of(s.id(), ratio, ghz, withTotal(kcid.cpuMicrosPerOp()),
          floor == null ? "—" : floor.name(), floorCpu));
    }
    return rows;
  }

  /** Redis' CPU per PING in the redis-ops scenario: the floor of one Redis command here. */
  private static Double redisPerPing(List<ScenarioResult> scenarios) {
    for (ScenarioResult s : scenarios) {
      for (Subject subject : s.subjects()) {
        if (subject.name().equals("PING") && subject.cpuMicrosPerOp().containsKey("redis")) {
          return subject.cpuMicrosPerOp().get("redis");
        }
      }
    }
    return null;
  }

  private static String withTotal(Map<String, Double> perOp) {
    double total = perOp.entrySet().stream().filter(e -> !e.getKey().startsWith("load-generator"))
        .mapToDouble(Map.Entry::getValue).sum();
    return cpu(perOp) + String.format(Locale.ROOT, " (served: %.1f)", total);
  }

  /** The ghz cross-checks: ghz's own kcid and no-op runs, its ratio, and the bench's beside it. */
  public static List<List<String>> crossChecks(List<ScenarioResult> scenarios) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("scenario", "subject (ghz)", "ops/s", "p50 ms", "p99 ms", "CPU µs/op by process", "load avg", "errors",
        "ratio (ghz)", "ratio (bench)"));
    for (ScenarioResult s : scenarios) {
      CrossCheck c = s.crossCheck();
      if (c == null) {
        continue;
      }
      for (int i = 0; i < c.subjects().size(); i++) {
        Subject subject = c.subjects().get(i);
        rows.add(List.of(s.id(), subject.name(), String.format(Locale.ROOT, "%,.0f", subject.opsPerSecond()),
            ms(subject.p50Ms(), subject), ms(subject.p99Ms(), subject), cpu(subject.cpuMicrosPerOp()), subject.loadAverage(),
            subject.errors() == 0 ? "0" : subject.errors() + " " + subject.errorKinds(),
            i == 0 ? number(c.ratio()) : "", i == 0 ? number(c.benchRatio()) : ""));
      }
    }
    return rows;
  }

  public static List<List<String>> measurements(List<ScenarioResult> scenarios) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("scenario", "subject", "ops/s", "ratio", "p50 ms", "p99 ms", "p99.9 ms", "CPU µs/op by process", "load avg", "errors"));
    for (ScenarioResult s : scenarios) {
      double kcid = s.subjects().isEmpty() ? 0 : s.subjects().get(0).opsPerSecond();
      for (Subject subject : s.subjects()) {
        String ratio = subject.role().equals("kcid") || subject.opsPerSecond() == 0
            ? "" : number(kcid / subject.opsPerSecond());
        rows.add(List.of(s.id(), subject.name(), String.format(Locale.ROOT, "%,.0f", subject.opsPerSecond()), ratio,
            ms(subject.p50Ms(), subject), ms(subject.p99Ms(), subject), ms(subject.p999Ms(), subject), cpu(subject.cpuMicrosPerOp()), subject.loadAverage(),
            subject.errors() == 0 ? "0" : subject.errors() + " " + subject.errorKinds()));
      }
    }
    return rows;
  }

  private static String cpu(Map<String, Double> perOp) {
    return perOp.entrySet().stream()
        .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%.1f", e.getValue()))
        .collect(Collectors.joining(", "));
  }

  /** Latency, or a dash where the scenario does not measure it (memory: counts only). */
  private static String ms(double value, Subject subject) {
    if (subject.p50Ms() == 0 && subject.p99Ms() == 0 && subject.maxMs() == 0) {
      return "—";
    }
    return String.format(Locale.ROOT, value < 10 ? "%.2f" : "%.1f", value);
  }

  static String number(double value) {
    return Math.abs(value) >= 100 ? String.format(Locale.ROOT, "%,.0f", value)
        : String.format(Locale.ROOT, Math.abs(value) < 0.1 ? "%.3f" : "%.2f", value);
  }

  /** Fixed-width columns for a terminal. */
  public static String text(List<List<String>> rows) {
    int[] widths = new int[rows.get(0).size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        out.append(i == 0 ? "" : "  ").append(String.format("%-" + widths[i] + "s", row.get(i)));
      }
      out.append(System.lineSeparator());
    }
    return out.toString();
  }

  public static String markdown(List<List<String>> rows) {
    StringBuilder out = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      out.append("| ").append(String.join(" | ", rows.get(r))).append(" |\n");
      if (r == 0) {
        out.append("|").append("---|".repeat(rows.get(0).size())).append("\n");
      }
    }
    return out.toString();
  }
}
