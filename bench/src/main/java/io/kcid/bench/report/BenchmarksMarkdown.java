package io.kcid.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes BENCHMARKS.md from a run. Everything is regenerated except the hand-written analysis
 * between {@link #START} and {@link #END}, which is carried over from the existing file.
 */
public final class BenchmarksMarkdown {
  public static final String START = "<!-- analysis:start (hand-written; ./kcid bench keeps this section) -->";
  public static final String END = "<!-- analysis:end -->";

  private static final String METHOD = """
      ## Method

      - **Processes.** redis-server (the embedded one `./kcid up` runs; AOF on, fsync every second), the
        tracking-server, the http-edge, the instant-backend edge and nginx each run as a process of their
        own on free loopback ports, so `/proc/<pid>/stat` gives each one's CPU time (redis-server's with
        the children it forks to rewrite its append-only file: a core for seconds at a time, the price
        of the writes that grew the file). The tracking-server
        runs as in production: API keys required (the load generator sends one with every call), default
        limits, 16 partitions. The edges run with the postback rate limits off (`KCID_EDGE_RATE_PER_IP=0`,
        `KCID_EDGE_RATE_PER_ACCOUNT=0`): one load generator is one client address, and the limits would
        measure the limiter. The gRPC load comes from the bench JVM (`ClientCall` directly on 2
        direct-executor channels, pre-built requests, no per-call deadline or future) and, as a
        cross-check, from ghz; Redis load from Lettuce; HTTP load from wrk. Everything shares the machine's cores, load generator
        included, as the issue's targets assume.
      - **Clicks as traffic sends them.** IssueClick, the edge's `/c` and the clicks that conversions
        are recorded on rotate through 600 combinations of one campaign, 8 creatives, 12 placements,
        50 publishers (s1) and 40 sites (s2; not on the edge's URL), so the hour's stats hashes hold
        the few hundred fields such traffic gives them, each a field a click or conversion
        increments (docs/DEPLOYMENT.md, "Stats hashes"). Runs before 2026-12-05 repeated one click,
        which left those hashes a handful of fields and every increment cheap.
      - **gRPC no-op baseline.** `grpc.health.v1.Health/Check` on the same tracking-server: same port,
        Netty transport, executor and interceptor chain (call limit and API-key interceptor; health is
        exempt from the key check, so the no-op skips the key lookup that kcid's methods pay). It needs
        no production code for the bench and answers from memory.
      - **Edge baselines.** nginx-light with `return 302 https://example.com/` (worker_processes auto,
        access log off) is the floor of an HTTP redirect here. "The edge's own 302 with no backend
        call" is the real http-edge code (`HttpEdge`) started by the bench with an in-process gRPC
        backend that answers IssueClick and RecordConversion at once: HTTP parsing, routing, response
        and the edge's gRPC client stub are all there; the network hop, the tracking-server and Redis
        are not. It lives in the bench module only and redirects to one fixed URL.
      - **Redis work per click.** Driven through the server's own store class (`RedisClickStore.insert`
        with a click read back from one issued through the edge), so it follows the storage layout
        whatever it is. The baseline is `PING` on the same Lettuce connection at the same concurrency:
        the round trip and Redis' per-command floor. Commands per operation come from Redis'
        `INFO commandstats` before and after (commands run inside Lua scripts are counted too).
      - **Memory.** Redis' memory one second after the inserts minus one second before, over the clicks
        of the memory scenario (one million in the full run), each read once no AOF rewrite is running
        and net of clients' and AOF buffers (Redis 6.2 takes a rewrite's writes in 10 MiB blocks that
        `used_memory` counts whole: 12.6 MB, about 13 bytes per click, for each block held at a
        reading), then over conversions recorded through
        `RecordConversion` on the first of those clicks (everything a conversion writes: the
        conversion, its stream event, postback log entry, stats).
      - **Open loop.** IssueClick at a constant rate, half the closed-loop maximum measured at 64 in
        flight earlier in the same run; each call's latency is measured from its intended start, so a
        stall counts against every call it delays (HdrHistogram, wrk2's method). The no-op runs at the
        same rate for comparison. The target counts as met only if the rate was kept with at most
        0.1% errors.
      - **Same conditions for kcid and baseline.** The gRPC and Redis scenarios split each subject's
        measured time into rounds (3 in the full run) that alternate kcid and baseline (baseline first,
        then kcid first, …), so both see the same machine when other work on it comes and goes; a
        subject's rounds are merged (operations, time, HdrHistogram). The HTTP scenarios run their
        subjects one after another, each warmed up by a wrk run of its own.
      - **Conversions in arrival order.** The clicks conversions are recorded on (RecordConversion,
        the edge's postbacks, deliveries) are sent shuffled (a fixed seed), not in the order they were
        issued: the server puts a busy moment's new clicks in one partition, so issued order came in
        long runs of one partition, and per-partition batches (conversion scripts, outbox reads,
        delivery finishes) grew beyond what conversions arriving days after their clicks allow.
      - **Deliveries.** The same number of new conversions on an account without a destination and on
        one with a postback destination (nginx answering 200), CPU counted until the last delivery left
        the queue; first in a closed loop at 64 in flight (deliveries per second end to end, the drain,
        `closed_loop_ratio`), then at one constant rate for both halves, 60% of the closed loop's rate
        with delivery, in rounds (3 in the full run) that alternate which half goes first. The target
        is read on the median of the ratios of the rounds in which neither half had more than 0.1% of
        its calls fail, and only when most rounds are such (`ratio_by_round`,
        `rounds_with_failed_calls`; all rounds together: `ratio_of_all_rounds_together`): a round with
        failed calls measures timeouts and their code's compiles, with CPU divided among fewer calls.
        In the closed loop the half without delivery runs at about twice the rate and batches twice as
        well, which that ratio charged to delivery (docs/deliveries.md, "What delivery costs").
        Redis rewrites its AOF in a forked child each
        time the file doubled, a core for seconds in whichever window crosses the threshold: in the
        rounds' ratios that CPU is charged to each window by the bytes it appended to the AOF (the
        rewrites' CPU per appended byte over all the rounds; the threads' `write_bytes` in `/proc`),
        and `ratio_by_round_rewrite_cpu_where_it_fell` keeps the ratios as it fell.
      - **Warm-up.** Each subject warms up with its own load before it is measured (5 s in the full run,
        1 s before later rounds), and the full run warms the tracking-server up once more before the
        first scenario. The JVMs' JIT compilers count as their processes' CPU, and on a slow machine a
        fixed warm-up left much of their work inside the measured window, so the tracking-server's
        IssueClick warm-up, RecordConversion (on clicks of its own), every HTTP subject and the
        deliveries scenario then warm up on in slices (3 s; for deliveries, a fifth of its
        conversions on each path, in the closed loop and again at the constant rate, there for at
        least 60 s and until two slices running are quiet) until the compiler threads of
        the JVMs under test use under 2% of the served CPU (at most 60 s); the slices are listed in
        each scenario's details (`warm_up_slices`, `server_warm_up_slices`: CPU µs per operation and
        the JIT's share). A subject still compiling after 60 s says so there.

      """;

  private BenchmarksMarkdown() {}

  public static void write(Path file, BenchReport report) throws IOException {
    String analysis = "## Analysis\n\nNot written yet for this run.\n";
    if (Files.exists(file)) {
      String old = Files.readString(file, StandardCharsets.UTF_8);
      int s = old.indexOf(START);
      int e = old.indexOf(END);
      if (s >= 0 && e > s) {
        analysis = old.substring(s + START.length(), e).strip() + "\n";
      }
    }
    StringBuilder md = new StringBuilder();
    md.append("# kcid benchmarks\n\n");
    md.append("<!-- Generated by ./kcid bench (bench/src/main/java/io/kcid/bench): edit only the analysis section. -->\n\n");
    md.append("Issue #6's harness: every scenario measures kcid and its baseline in the same run, on the same\n")
        .append("machine, each component in its own process so that CPU time per operation can be told apart.\n")
        .append("Numbers from one machine and one run: compare ratios, not absolute rates, across machines.\n\n");
    md.append("Run on ").append(report.date()).append(". Reproduce with:\n\n```\n").append(report.command()).append("\n```\n\n");
    md.append("`./kcid bench --quick` is the few-second smoke run; `--scenarios` picks scenarios, `--json` writes the\n")
        .append("result elsewhere. The machine-readable result of this run is [`BENCHMARKS.json`](BENCHMARKS.json).\n\n");
    md.append("## CPU per operation\n\n")
        .append("The headline: CPU time (user + system, from `/proc/<pid>/stat`) each process spent over the measured\n")
        .append("interval divided by the operations completed, in µs. Unlike a rate it carries across machines of\n")
        .append("similar cores. *served* adds up the processes serving the operation (not the load generator). Each\n")
        .append("figure is compared with its floor: the no-op `grpc.health.v1.Health/Check` for the gRPC scenarios,\n")
        .append("nginx-light `return 302` for the edge, `PING` on one Lettuce connection for Redis (its redis µs is\n")
        .append("also the Redis floor of every scenario that uses Redis). *ratio* is kcid's ops/s over the floor's,\n")
        .append("by the bench's own generator and, independently, by ghz against the same server in the same run.\n")
        .append("This run: ").append(report.machine().getOrDefault("cores (nproc)", "?")).append(" cores, load average ")
        .append(report.machine().getOrDefault("load average before / after", "?"))
        .append(" (1, 5, 15 min; before / after the run).\n\n")
        .append(Tables.markdown(Tables.cpuHeadline(report.scenarios()))).append('\n');
    md.append("## Targets\n\n").append(Tables.markdown(Tables.targets(report.scenarios()))).append('\n');
    if (report.loadGenerator() != null && !report.loadGenerator().isEmpty()) {
      md.append("## Load generator\n\n")
          .append("The bench's gRPC load generator (this JVM: `ClientCall` on direct-executor channels, pre-built\n")
          .append("requests, a fixed number in flight, one HdrHistogram record per call) measured on the no-op. Its\n")
          .append("CPU per call is taken from the machine the server runs on, so it is reported with every run.\n\n")
          .append(list(stringify(report.loadGenerator()))).append('\n');
    }
    List<List<String>> checks = Tables.crossChecks(report.scenarios());
    if (checks.size() > 1) {
      md.append("## Cross-check with ghz\n\n")
          .append("Every closed-loop gRPC scenario is run again by ghz (`tools/bin/ghz`, a Go load generator, from\n")
          .append("`tools/install-go-tools.sh`) against the same server in the same run: no-op and kcid's method at\n")
          .append("the scenario's concurrency over 2 connections, each after a warm-up run of its own, with the API key\n")
          .append("as metadata and the services from a protoset of the compiled descriptors. `load-generator` is ghz.\n")
          .append("The open-loop scenario is not cross-checked: ghz's fixed-rate mode measures latency from each call's\n")
          .append("actual start, not its intended one.\n\n")
          .append(Tables.markdown(checks)).append('\n');
    }
    md.append("## Measurements\n\n")
        .append("Throughput is completed operations per second; latency is per operation, from the load generator;\n")
        .append("*ratio* is kcid's throughput over the row's. CPU is user + system time of each process over the\n")
        .append("measured interval divided by the operations (`load-generator` is the bench JVM for gRPC and Redis\n")
        .append("scenarios, wrk for HTTP ones; `load-generator (gRPC threads)` only the JVM's gRPC event loops, where\n")
        .append("the calls are made, without its JIT compiler and GC threads). *load avg* is the machine's 1-minute load average at the start and\n")
        .append("end of the measured interval: above the core count, other work shared the CPU with the run.\n\n")
        .append(Tables.markdown(Tables.measurements(report.scenarios()))).append('\n');
    md.append("### Details\n\n");
    for (ScenarioResult s : report.scenarios()) {
      md.append("- **").append(s.id()).append("** — ").append(s.title()).append('\n');
      for (Subject subject : s.subjects()) {
        md.append("  - `").append(subject.name()).append("`: ").append(subject.description()).append('\n');
      }
      if (!s.details().isEmpty()) {
        md.append("  - ").append(details(s.details())).append('\n');
      }
    }
    md.append('\n');
    md.append(METHOD);
    md.append("## Machine\n\n").append(list(report.machine())).append('\n');
    md.append("## Versions\n\n").append(list(report.versions())).append('\n');
    md.append("## JVM flags\n\n").append(list(report.jvmFlags())).append('\n');
    md.append("## Settings\n\n").append(list(stringify(report.settings()))).append('\n');
    md.append(START).append("\n\n").append(analysis).append('\n').append(END).append('\n');
    Files.writeString(file, md.toString(), StandardCharsets.UTF_8);
  }

  private static String details(Map<String, Object> details) {
    StringBuilder out = new StringBuilder();
    details.forEach((k, v) -> out.append(out.length() == 0 ? "" : "; ").append(k).append(": ").append(v));
    return out.toString();
  }

  private static Map<String, String> stringify(Map<String, Object> values) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    values.forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  private static String list(Map<String, String> values) {
    StringBuilder out = new StringBuilder();
    values.forEach((k, v) -> out.append("- ").append(k).append(": `").append(v.replace("`", "'")).append("`\n"));
    return out.toString();
  }
}
