package io.kcid.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.kcid.bench.env.Ghz;
import io.kcid.bench.env.Nginx;
import io.kcid.bench.env.Wrk;
import io.kcid.bench.report.BenchReport;
import io.kcid.bench.report.BenchmarksMarkdown;
import io.kcid.bench.report.GeneratorCheck;
import io.kcid.bench.report.ScenarioResult;
import io.kcid.bench.report.Tables;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./kcid bench}: starts Redis, the tracking-server, the edges and nginx on free ports, runs
 * every scenario of issue #6 against kcid and its baseline, prints the results, and writes them as
 * JSON and BENCHMARKS.md. Targets not met are reported, never a failure: the exit code is 0 when
 * every scenario ran.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Measure kcid against its baselines (gRPC no-op, nginx, Redis) on this machine; writes BENCHMARKS.md.")
public final class BenchCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--quick", description = "A few-second smoke run of every scenario: checks they run, measures nothing worth keeping.")
  boolean quick;

  @Option(names = "--duration", description = "Measured time per subject of a scenario, e.g. 15s (default 15s; --quick 1s); split into --rounds for gRPC and Redis.")
  String duration;

  /** How long a subject may keep warming up until the JIT is quiet (Scenarios#settle). */
  private static final Duration SETTLE_LIMIT = Duration.ofSeconds(60);

  @Option(names = "--warmup", description = "Warm-up of each subject before it is measured, e.g. 5s (default 5s; --quick 1s);"
      + " HTTP subjects then warm up on in 3 s slices until the JIT compilers are quiet (under 2%% of the CPU), 60 s at most (not with --quick).")
  String warmup;

  @Option(names = "--scenarios", split = ",", description = "Scenarios to run (default all): ${COMPLETION-CANDIDATES}",
      completionCandidates = ScenarioNames.class)
  List<String> scenarios;

  @Option(names = "--rounds", description = "Alternating kcid/baseline rounds of the gRPC and Redis scenarios (default 3; --quick 1).")
  Integer rounds;

  @Option(names = "--memory-clicks", description = "Clicks stored for the memory scenario (default 1000000; --quick 10000).")
  Integer memoryClicks;

  @Option(names = "--json", description = "Write the result as JSON here (default: BENCHMARKS.json next to BENCHMARKS.md; --quick: none).")
  Path json;

  @Option(names = "--markdown", description = "Regenerate this BENCHMARKS.md (default: ${env:KCID_BENCH_MARKDOWN:-BENCHMARKS.md}; --quick: none).")
  Path markdown;

  @Option(names = "--render", description = "Run nothing: print and rewrite BENCHMARKS.md (--markdown) from this earlier JSON result.")
  Path render;

  @Option(names = "--jvm-opts", defaultValue = "", description = "JVM options of the tracking-server and edge processes (default: none, the JVM's defaults).")
  String jvmOpts;

  static final class ScenarioNames extends ArrayList<String> {
    ScenarioNames() {
      super(Scenarios.ALL);
    }
  }

  @Override
  public Integer call() throws Exception {
    if (render != null) {
      return render();
    }
    List<String> selected = scenarios == null || scenarios.isEmpty() ? Scenarios.ALL : scenarios;
    for (String s : selected) {
      if (!Scenarios.ALL.contains(s)) {
        System.err.println("kcid bench: unknown scenario '" + s + "': expected one of " + String.join(", ", Scenarios.ALL));
        return 2;
      }
    }
    Duration measure = parse(duration, quick ? "1s" : "15s");
    Duration warm = parse(warmup, quick ? "1s" : "5s");
    int clicks = memoryClicks != null ? memoryClicks : quick ? 10_000 : 1_000_000;
    Path md = markdown != null ? markdown
        : quick ? null : Path.of(System.getenv().getOrDefault("KCID_BENCH_MARKDOWN", "BENCHMARKS.md"));
    Path jsonFile = json != null ? json
        : md == null ? null : md.toAbsolutePath().resolveSibling("BENCHMARKS.json");
    List<String> jvmOptions = jvmOpts.isBlank() ? List.of() : Arrays.asList(jvmOpts.trim().split("\\s+"));
    int roundCount = rounds != null ? rounds : quick ? 1 : 3;
    Scenarios.Settings settings = new Scenarios.Settings(warm, measure, roundCount, clicks, Math.min(clicks, quick ? 2_000 : 100_000), 64, 2,
        quick ? Duration.ZERO : SETTLE_LIMIT);

    Instant started = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String loadBefore = loadAverage();
    Path workDir = Files.createTempDirectory("kcid-bench-");
    List<ScenarioResult> results = new ArrayList<>();
    List<String> failed = new ArrayList<>();
    Map<String, String> versions = new LinkedHashMap<>();
    System.out.println("kcid bench: " + selected.size() + " scenario(s), " + warm.toSeconds() + " s warm-up + "
        + measure.toSeconds() + " s per measured run; work directory " + workDir);
    try (Rig rig = Rig.start(workDir, jvmOptions)) {
      boolean http = selected.contains("edge-click") || selected.contains("edge-postback");
      Wrk wrk = http ? new Wrk(workDir) : null;
      boolean grpc = selected.stream().anyMatch(s -> s.startsWith("grpc-"));
      Ghz ghz = grpc ? new Ghz(workDir, "127.0.0.1:" + rig.serverPort,
          List.of(ClickServiceGrpc.getServiceDescriptor(), ConversionServiceGrpc.getServiceDescriptor(), HealthGrpc.getServiceDescriptor())
              .stream().map(d -> ((ProtoFileDescriptorSupplier) d.getSchemaDescriptor()).getFileDescriptor()).toList(),
          Map.of("authorization", "Bearer " + rig.apiKey)) : null;
      versions.putAll(versions(rig, http, grpc, md));
      Scenarios runner = new Scenarios(rig, settings, wrk, ghz);
      if (!quick) {
        runner.warmUp();
      }
      for (String id : selected) {
        System.out.println("== " + id);
        try {
          ScenarioResult result = runner.run(id);
          results.add(result);
          System.out.print(Tables.text(Tables.measurements(List.of(result))));
        } catch (Exception | AssertionError e) {
          failed.add(id);
          System.err.println("kcid bench: scenario " + id + " failed: " + e);
          e.printStackTrace();
        }
      }
    }
    String loadAfter = loadAverage();
    Map<String, String> machine = machine(loadBefore, loadAfter);
    BenchReport report = new BenchReport(started.toString(), commandLine(), quick, machine, versions,
        jvmFlags(jvmOptions), settings(settings, selected), results,
        GeneratorCheck.of(results, Runtime.getRuntime().availableProcessors(), firstNumber(loadBefore), firstNumber(loadAfter)));

    System.out.println();
    System.out.print(Tables.text(Tables.measurements(results)));
    System.out.println();
    System.out.print(Tables.text(Tables.crossChecks(results)));
    System.out.println();
    System.out.print(Tables.text(Tables.cpuHeadline(results)));
    System.out.println();
    System.out.print(Tables.text(Tables.targets(results)));
    report.loadGenerator().forEach((k, v) -> System.out.println("load generator: " + k + ": " + v));
    System.out.println("load average before / after: " + machine.get("load average before / after")
        + " on " + machine.get("cores (nproc)") + " cores");
    if (jsonFile != null) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      mapper.writeValue(jsonFile.toFile(), report);
      System.out.println("wrote " + jsonFile);
    }
    if (md != null) {
      BenchmarksMarkdown.write(md, report);
      System.out.println("wrote " + md);
    }
    if (!failed.isEmpty()) {
      System.err.println("kcid bench: failed scenarios: " + failed + " (logs kept in " + workDir + ")");
      return 1;
    }
    deleteTree(workDir);
    return 0;
  }

  private int render() throws IOException {
    BenchReport report = new ObjectMapper().readValue(render.toFile(), BenchReport.class);
    System.out.print(Tables.text(Tables.measurements(report.scenarios())));
    System.out.println();
    System.out.print(Tables.text(Tables.targets(report.scenarios())));
    Path md = markdown != null ? markdown : Path.of(System.getenv().getOrDefault("KCID_BENCH_MARKDOWN", "BENCHMARKS.md"));
    BenchmarksMarkdown.write(md, report);
    System.out.println("wrote " + md);
    return 0;
  }

  private static Duration parse(String text, String fallback) {
    String value = (text == null ? fallback : text).trim().toLowerCase();
    if (value.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
    }
    if (value.endsWith("m")) {
      return Duration.ofMinutes(Long.parseLong(value.substring(0, value.length() - 1)));
    }
    return Duration.ofSeconds(Long.parseLong(value.endsWith("s") ? value.substring(0, value.length() - 1) : value));
  }

  private String commandLine() {
    List<String> args = spec == null ? List.of() : spec.commandLine().getParseResult().originalArgs();
    // The parse result holds the whole command line, parent command's arguments included.
    int own = args.indexOf("bench");
    args = own >= 0 ? args.subList(own + 1, args.size()) : args;
    return "./kcid bench" + (args.isEmpty() ? "" : " " + String.join(" ", args));
  }

  /** The 1-minute figure of a load average line; NaN when unknown. */
  private static double firstNumber(String loadAverage) {
    try {
      return Double.parseDouble(loadAverage.split(" ")[0]);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static Map<String, String> machine(String loadBefore, String loadAfter) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cores (nproc)", Integer.toString(Runtime.getRuntime().availableProcessors()));
    m.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
    m.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
    m.put("load average before / after", loadBefore + " / " + loadAfter);
    return m;
  }

  private static String firstValue(Path file, String key) {
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.startsWith(key)).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static Map<String, String> versions(Rig rig, boolean http, boolean grpc, Path markdown) {
    Map<String, String> v = new LinkedHashMap<>();
    Path repo = (markdown == null ? Path.of("") : markdown).toAbsolutePath().getParent();
    v.put("kcid", io.kcid.bench.env.Tools.output(List.of("git", "-C", repo.toString(), "describe", "--always", "--dirty"))
        .map(commit -> "commit " + commit).orElse("unknown (not run from a git checkout)"));
    v.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    v.put("redis", rig.redisInfo.version() + " (embedded-redis, appendonly yes, appendfsync everysec)");
    if (http) {
      v.put("nginx", Nginx.version());
      v.put("wrk", Wrk.version());
    }
    if (grpc) {
      v.put("ghz", Ghz.version());
    }
    return v;
  }

  private static Map<String, String> jvmFlags(List<String> childOptions) {
    Map<String, String> f = new LinkedHashMap<>();
    f.put("tracking-server, http-edge, instant-backend-edge",
        childOptions.isEmpty() ? "none (JVM defaults)" : String.join(" ", childOptions));
    List<String> own = ManagementFactory.getRuntimeMXBean().getInputArguments();
    f.put("bench JVM (gRPC and Redis load generator)", own.isEmpty() ? "none (JVM defaults)" : String.join(" ", own));
    f.put("default GC / max heap on this machine",
        ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", ")) + " / " + (Runtime.getRuntime().maxMemory() >> 20) + " MiB (bench JVM)");
    return f;
  }

  private static Map<String, Object> settings(Scenarios.Settings s, List<String> selected) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scenarios", String.join(", ", selected));
    m.put("warm-up per subject", s.warmup().toSeconds() + " s (later rounds: 1 s)");
    m.put("measured per subject", s.measure().toSeconds() + " s");
    m.put("rounds (gRPC and Redis scenarios)", s.rounds());
    m.put("memory clicks", s.memoryClicks());
    m.put("memory conversions", s.memoryConversions());
    m.put("wrk", s.wrkConnections() + " connections, " + s.wrkThreads() + " threads");
    m.put("gRPC load", "2 direct-executor channels (connections), ClientCall unary calls, pre-built requests;"
        + " cross-check: ghz at the same concurrency over 2 connections");
    return m;
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp directory left behind is harmless
    }
  }
}
