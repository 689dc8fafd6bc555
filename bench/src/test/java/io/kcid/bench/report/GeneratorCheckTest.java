package io.kcid.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GeneratorCheckTest {
  @Test
  void aRateNearTheReferenceForTheCoreCountIsNear() {
    assertThat(GeneratorCheck.verdict(70_000, 9.5, 2, 0.1, 2.5)).startsWith("near").contains("78%");
    assertThat(GeneratorCheck.expectedRate(4)).isEqualTo(180_000);
  }

  @Test
  void farBelowOnABusyMachineNamesTheLoadAverageAndCores() {
    assertThat(GeneratorCheck.verdict(20_000, 9, 2, 5.3, 7.1))
        .startsWith("far below").contains("load average 5.30 before the run").contains("on 2 cores");
  }

  @Test
  void farBelowOnAnIdleMachineBlamesAHeavyGeneratorOrElseTheServer() {
    assertThat(GeneratorCheck.verdict(20_000, 40, 2, 0.2, 2)).contains("the generator itself spent 40.0 µs");
    assertThat(GeneratorCheck.verdict(20_000, 9, 2, 0.2, 2)).contains("the server's CPU per no-op call");
  }

  @Test
  void theSectionComesFromTheFastestNoOpAndItsGhzCrossCheck() {
    Subject slowNoOp = subject("no-op (Health/Check)", "baseline", 30_000, Map.of("load-generator", 12.0));
    Subject fastNoOp = subject("no-op (Health/Check)", "baseline", 80_000,
        Map.of("load-generator", 12.5, "load-generator (gRPC threads)", 9.4));
    Subject ghzNoOp = subject("no-op (Health/Check)", "baseline", 85_000, Map.of("load-generator", 11.0));
    Subject click = subject("IssueClick", "kcid", 40_000, Map.of("load-generator", 10.0));
    List<ScenarioResult> scenarios = List.of(
        new ScenarioResult("a", "a", List.of(click, slowNoOp), "ops/s ratio to the no-op", 1.3, "≥ 0.6", true, Map.of()),
        new ScenarioResult("b", "b", List.of(click, fastNoOp), "ops/s ratio to the no-op", 0.5, "≥ 0.6", false, Map.of())
            .withCrossCheck(CrossCheck.of("ghz", click, ghzNoOp, 0.5)));

    Map<String, Object> section = GeneratorCheck.of(scenarios, 2, 0.3, 2.0);

    assertThat(section).containsEntry("no-op calls/s (bench generator)", 80_000L)
        .containsEntry("generator CPU µs per no-op call (its gRPC event-loop threads, /proc)", 9.4)
        .containsEntry("bench JVM CPU µs per no-op call (all threads: with JIT, GC)", 12.5)
        .containsEntry("no-op calls/s (ghz)", 85_000L)
        .containsEntry("ghz CPU µs per no-op call", 11.0);
    assertThat((String) section.get("verdict")).startsWith("near");
    assertThat(GeneratorCheck.of(List.of(), 2, 0, 0)).isEmpty();
  }

  static Subject subject(String name, String role, double opsPerSecond, Map<String, Double> cpu) {
    return new Subject(name, role, name, (long) opsPerSecond * 10, 10, opsPerSecond, 0, Map.of(), 1, 2, 3, 4, cpu, "0.1 → 0.2");
  }
}
