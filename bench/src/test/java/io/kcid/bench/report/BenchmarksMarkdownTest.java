package io.kcid.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.bench.load.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchmarksMarkdownTest {
  @TempDir Path dir;

  private static BenchReport report(double ratio) {
    Subject kcid = Subject.of("IssueClick", "kcid", "the RPC", new Run(1000, 1.0, 0, 1, 2, 3, 4),
        new Subject.Cost(Map.of("tracking-server", 0.05), "1.00 → 1.10"));
    Subject noOp = Subject.of("no-op", "baseline", "Health/Check", new Run(2000, 1.0, 0, 0.5, 1, 2, 3),
        new Subject.Cost(Map.of("tracking-server", 0.02), "1.10 → 1.20"));
    ScenarioResult scenario = new ScenarioResult("grpc-issue-click-64", "IssueClick", List.of(kcid, noOp),
        "ops/s ratio to the no-op", ratio, "≥ 0.6", ratio >= 0.6, Map.of());
    return new BenchReport("2026-01-01T00:00:00Z", "./kcid bench", false, Map.of("cores (nproc)", "2"),
        Map.of("java", "17"), Map.of(), Map.of(), List.of(scenario.withCrossCheck(CrossCheck.of("ghz", kcid, noOp, ratio))),
        Map.of("verdict", "near the efficient-client figure"));
  }

  @Test
  void regeneratingKeepsTheHandWrittenAnalysisAndReplacesEverythingElse() throws Exception {
    Path file = dir.resolve("BENCHMARKS.md");
    BenchmarksMarkdown.write(file, report(0.5));
    String first = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(first).contains("| grpc-issue-click-64 | ops/s ratio to the no-op | 0.50 | ≥ 0.6 | NO |")
        .contains("| grpc-issue-click-64 | IssueClick | 1,000 |  | 1.00 | 2.00 | 3.00 | tracking-server 50.0 | 1.00 → 1.10 | 0 |")
        .contains("| grpc-issue-click-64 | no-op | 2,000 | 0.50 |")
        .contains("| grpc-issue-click-64 | 0.50 | 0.50 | tracking-server 50.0 (served: 50.0) | no-op | tracking-server 10.0 |")
        .contains("## Cross-check with ghz").contains("- verdict: `near the efficient-client figure`")
        .contains("This run: 2 cores");
    Files.writeString(file, first.replace("Not written yet for this run.", "The server is the limit."), StandardCharsets.UTF_8);

    BenchmarksMarkdown.write(file, report(0.7));

    String second = Files.readString(file, StandardCharsets.UTF_8);
    assertThat(second).contains("The server is the limit.").doesNotContain("Not written yet")
        .contains("| grpc-issue-click-64 | ops/s ratio to the no-op | 0.70 | ≥ 0.6 | yes |");
  }
}
