package io.kcid.bench.env;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kcid.bench.load.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's wrk, closed loop: {@code connections} keep-alive connections each sending its next GET as
 * soon as the previous answer arrives. Requests cycle through a file of paths (one per line, e.g.
 * postbacks on distinct kcids); a Lua {@code done} hook prints the summary and the latency
 * percentiles as one JSON line.
 */
public final class Wrk {
  private static final String SCRIPT = """
      local paths = {}
      local next_index = 1
      init = function(args)
        for line in io.lines(args[1]) do paths[#paths + 1] = line end
        -- Threads start at different places so that they do not send the same path together.
        next_index = math.random(#paths)
      end
      request = function()
        local path = paths[next_index]
        next_index = next_index % #paths + 1
        return wrk.format("GET", path)
      end
      done = function(summary, latency, requests)
        local e = summary.errors
        io.write(string.format(
          'WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
          '"p50_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\\n',
          summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
          latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
      end
      """;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String binary;
  private final Path workDir;
  private final Path script;

  public Wrk(Path workDir) {
    this.binary = Tools.require("wrk", "wrk");
    this.workDir = workDir;
    this.script = workDir.resolve("wrk-paths.lua");
    try {
      Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String version() {
    return Tools.version(List.of(Tools.require("wrk", "wrk"), "-v"));
  }

  /**
   * Runs wrk against {@code http://127.0.0.1:port} cycling through {@code paths}. Status errors are
   * answers of 400 or more (wrk's definition): a 302 or 200 counts as success.
   */
  public Run run(int port, List<String> paths, int connections, int threads, Duration duration) {
    try {
      Path pathFile = Files.createTempFile(workDir, "wrk-paths", ".txt");
      Files.write(pathFile, paths, StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(binary,
          "-t", Integer.toString(threads), "-c", Integer.toString(connections),
          "-d", Math.max(1, duration.toSeconds()) + "s", "--timeout", "5s",
          "-s", script.toString(), "http://127.0.0.1:" + port + "/", "--", pathFile.toString()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("wrk failed: " + out);
      }
      Files.deleteIfExists(pathFile);
      String line = out.lines().filter(l -> l.startsWith("WRK_JSON ")).findFirst()
          .orElseThrow(() -> new IllegalStateException("wrk printed no summary: " + out));
      JsonNode s = JSON.readTree(line.substring("WRK_JSON ".length()));
      long errors = s.get("connect").asLong() + s.get("read").asLong() + s.get("write").asLong()
          + s.get("status").asLong() + s.get("timeout").asLong();
      long requests = s.get("requests").asLong();
      java.util.Map<String, Long> kinds = new java.util.TreeMap<>();
      for (String kind : List.of("connect", "read", "write", "status", "timeout")) {
        if (s.get(kind).asLong() > 0) {
          kinds.put(kind.equals("status") ? "HTTP status >= 400" : kind, s.get(kind).asLong());
        }
      }
      return new Run(Math.max(0, requests - s.get("status").asLong()), s.get("duration_us").asLong() / 1e6, errors,
          s.get("p50_us").asLong() / 1e3, s.get("p99_us").asLong() / 1e3, s.get("p999_us").asLong() / 1e3,
          s.get("max_us").asLong() / 1e3, kinds);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
