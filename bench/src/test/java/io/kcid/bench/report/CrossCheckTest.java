package io.kcid.bench.report;

import static io.kcid.bench.report.GeneratorCheckTest.subject;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CrossCheckTest {
  @Test
  void theRatioIsKcidOverTheBaselineRoundedAndZeroWithoutABaseline() {
    CrossCheck check = CrossCheck.of("ghz", subject("IssueClick", "kcid", 23_456, Map.of()),
        subject("no-op (Health/Check)", "baseline", 85_000, Map.of()), 0.5);

    assertThat(check.ratio()).isEqualTo(0.276);
    assertThat(check.benchRatio()).isEqualTo(0.5);
    assertThat(CrossCheck.ratio(10, 0)).isZero();
  }

  @Test
  void theHeadlineShowsCpuByProcessBesideBothRatiosAndTheFloors() {
    Subject click = subject("IssueClick", "kcid", 40_000,
        new java.util.LinkedHashMap<>(Map.of("load-generator", 9.0, "tracking-server", 20.0, "redis", 5.5)));
    Subject noOp = subject("no-op (Health/Check)", "baseline", 80_000, Map.of("tracking-server", 8.0));
    Subject ping = subject("PING", "baseline", 100_000, Map.of("redis", 2.5));
    Subject insert = subject("ClickStore.insert", "kcid", 50_000, Map.of("redis", 6.0));
    List<ScenarioResult> scenarios = List.of(
        new ScenarioResult("grpc-issue-click-64", "t", List.of(click, noOp), "ops/s ratio to the no-op", 0.5, "≥ 0.6", false,
            Map.of()).withCrossCheck(CrossCheck.of("ghz", click, noOp, 0.5)),
        new ScenarioResult("redis-ops", "t", List.of(insert, ping), "ops/s ratio to PING", 0.5, null, null, Map.of()));

    List<List<String>> rows = Tables.cpuHeadline(scenarios);

    assertThat(rows).hasSize(3);
    assertThat(rows.get(1).get(0)).isEqualTo("grpc-issue-click-64");
    assertThat(rows.get(1).get(1)).isEqualTo("0.50");
    assertThat(rows.get(1).get(2)).isEqualTo("0.50");
    assertThat(rows.get(1).get(3)).contains("tracking-server 20.0").contains("redis 5.5").contains("(served: 25.5)");
    assertThat(rows.get(1).get(5)).contains("tracking-server 8.0").contains("Redis PING: redis 2.5");
    assertThat(rows.get(2).get(2)).isEqualTo("—");
    assertThat(rows.get(2).get(5)).isEqualTo("redis 2.5");
  }
}
