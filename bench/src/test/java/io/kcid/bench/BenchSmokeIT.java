package io.kcid.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./kcid bench --quick} end to end: every scenario runs against kcid and its baseline, every
 * closed-loop gRPC scenario is cross-checked by ghz, CPU per operation is reported by process, and
 * the JSON and Markdown it writes are well formed. Never asserts on speed: the numbers of a few-second
 * run on a shared machine mean nothing, and a slow CI machine must not fail the build.
 */
class BenchSmokeIT {
  /** The stale page's text before the analysis section, which a run must replace. */
  private static final String STALE = "A stale page, written before the run.\n";
  private static final List<String> OVERLOAD_KINDS =
      List.of("DEADLINE_EXCEEDED", "UNAVAILABLE", "RESOURCE_EXHAUSTED", "timeout", "not sent: overloaded");

  @TempDir Path dir;

  @Test
  void everyScenarioRunsWithItsBaselineAndWritesWellFormedResults() throws Exception {
    Path json = dir.resolve("bench.json");
    Path markdown = dir.resolve("BENCHMARKS.md");
    // A line no generated page has ("old" alone matched any line ending in "hold").
    Files.writeString(markdown, STALE + io.kcid.bench.report.BenchmarksMarkdown.START + "\n## Analysis\n\nKept by hand.\n"
        + io.kcid.bench.report.BenchmarksMarkdown.END + "\n", StandardCharsets.UTF_8);

    int exit = new CommandLine(new BenchCommand()).execute("--quick", "--json", json.toString(), "--markdown", markdown.toString());

    assertThat(exit).isZero();
    JsonNode report = new ObjectMapper().readTree(json.toFile());
    assertThat(report.get("quick").asBoolean()).isTrue();
    assertThat(report.get("machine").get("cores (nproc)").asInt()).isPositive();
    assertThat(report.get("versions").get("nginx").asText()).contains("nginx");
    assertThat(report.get("versions").get("ghz").asText()).isNotBlank().isNotEqualTo("unknown");
    JsonNode generator = report.get("loadGenerator");
    assertThat(generator.get("no-op calls/s (bench generator)").asLong()).isPositive();
    assertThat(generator.get("generator CPU µs per no-op call (its gRPC event-loop threads, /proc)").asDouble()).isPositive();
    assertThat(generator.get("bench JVM CPU µs per no-op call (all threads: with JIT, GC)").asDouble()).isPositive();
    assertThat(generator.get("no-op calls/s (ghz)").asLong()).isPositive();
    assertThat(generator.get("verdict").asText()).containsAnyOf("near", "far below");
    List<String> ids = new ArrayList<>();
    for (JsonNode scenario : report.get("scenarios")) {
      String id = scenario.get("id").asText();
      ids.add(id);
      JsonNode subjects = scenario.get("subjects");
      assertThat(subjects).as(id).isNotEmpty();
      assertThat(subjects.get(0).get("role").asText()).as(id).isEqualTo("kcid");
      if (!id.equals("memory")) {
        assertThat(subjects).as(id + " has a baseline").anyMatch(s -> s.get("role").asText().equals("baseline"));
      }
      for (JsonNode subject : subjects) {
        String what = id + " / " + subject.get("name").asText();
        assertThat(subject.get("ops").asLong()).as(what).isPositive();
        assertThat(subject.get("opsPerSecond").asDouble()).as(what).isPositive();
        // Overload on a busy machine may time calls out (a matter of speed, not asserted); a refusal
        // (bad signature, token, key, argument) would be a broken scenario.
        assertThat(subject.get("errors").asLong()).as(what + " errors").isLessThan(subject.get("ops").asLong());
        subject.get("errorKinds").fieldNames().forEachRemaining(kind ->
            assertThat(kind).as(what + " error kind").isIn(OVERLOAD_KINDS));
        assertThat(subject.get("cpuMicrosPerOp").size()).as(what).isPositive();
        subject.get("cpuMicrosPerOp").forEach(cpu -> assertThat(cpu.isNumber()).as(what).isTrue());
        if (!id.equals("memory")) {
          assertThat(subject.get("p50Ms").asDouble()).as(what).isPositive();
          assertThat(subject.get("p99Ms").asDouble()).as(what).isGreaterThanOrEqualTo(subject.get("p50Ms").asDouble());
          assertThat(subject.get("p999Ms").asDouble()).as(what).isGreaterThanOrEqualTo(subject.get("p99Ms").asDouble());
        }
      }
      if (id.startsWith("grpc-")) {
        JsonNode check = scenario.get("crossCheck");
        assertThat(check.get("tool").asText()).as(id).isEqualTo("ghz");
        assertThat(check.get("ratio").asDouble()).as(id + " ghz ratio").isPositive();
        assertThat(check.get("benchRatio").asDouble()).as(id).isEqualTo(scenario.get("value").asDouble());
        assertThat(check.get("subjects")).as(id).hasSize(2);
        for (JsonNode subject : check.get("subjects")) {
          String what = id + " / ghz " + subject.get("name").asText();
          assertThat(subject.get("ops").asLong()).as(what).isPositive();
          assertThat(subject.get("errors").asLong()).as(what + " errors").isLessThan(subject.get("ops").asLong());
          subject.get("errorKinds").fieldNames().forEachRemaining(kind ->
              assertThat(kind).as(what + " error kind").isIn(OVERLOAD_KINDS));
          assertThat(subject.get("cpuMicrosPerOp").get("load-generator").asDouble()).as(what).isPositive();
          assertThat(subject.get("cpuMicrosPerOp").get("tracking-server").asDouble()).as(what).isPositive();
        }
        assertThat(subjects.get(0).get("cpuMicrosPerOp").get("tracking-server").asDouble()).as(id).isPositive();
        assertThat(subjects.get(0).get("cpuMicrosPerOp").get("load-generator").asDouble()).as(id).isPositive();
      } else {
        assertThat(scenario.get("crossCheck").isNull()).as(id + " has no ghz cross-check").isTrue();
      }
      assertThat(scenario.get("value").isNumber()).as(id).isTrue();
      assertThat(scenario.get("value").asDouble()).as(id).isPositive();
    }
    assertThat(ids).containsExactlyElementsOf(Scenarios.ALL);
    assertThat(report.get("scenarios").get(Scenarios.ALL.indexOf("memory")).get("details").get("bytes_per_conversion").asDouble())
        .isPositive();
    // --quick runs one round of the deliveries' equal-rate pairs: the headline is that round's ratio.
    JsonNode deliveries = report.get("scenarios").get(Scenarios.ALL.indexOf("deliveries"));
    assertThat(deliveries.get("details").get("ratio_by_round")).hasSize(1);
    assertThat(deliveries.get("value").asDouble()).isEqualTo(deliveries.get("details").get("ratio_by_round").get(0).asDouble());
    assertThat(deliveries.get("details").get("rate_per_second").asDouble()).isPositive();
    assertThat(deliveries.get("details").get("closed_loop_ratio").asDouble()).isPositive();

    String md = Files.readString(markdown, StandardCharsets.UTF_8);
    assertThat(md).startsWith("# kcid benchmarks").contains("Kept by hand.").doesNotContain(STALE);
    assertThat(md).contains("## CPU per operation", "kcid CPU µs/op by process", "floor CPU µs/op by process",
        "## Cross-check with ghz", "## Load generator", "cores, load average");
    for (String id : Scenarios.ALL) {
      assertThat(md).contains("| " + id + " |");
    }
    for (String id : List.of("grpc-issue-click-64", "grpc-issue-click-256", "grpc-record-conversion")) {
      String crossChecks = md.substring(md.indexOf("## Cross-check with ghz"), md.indexOf("## Measurements"));
      assertThat(crossChecks).as(id + " ghz rows").contains("| " + id + " | no-op (Health/Check) |");
    }
  }
}
