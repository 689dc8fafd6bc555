package io.kcid.bench.env;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.kcid.bench.load.Run;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ghz (a Go gRPC load tester, built by tools/install-go-tools.sh), the bench's independent check of
 * its own gRPC load generator: closed loop at a fixed concurrency for a fixed time against the same
 * server. It reads the services from a protoset the bench writes from the compiled descriptors
 * (so it needs neither reflection nor a checkout), and the API key from a metadata file (never
 * the command line, which any process can read).
 */
public final class Ghz {
  private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final String binary;
  private final Path workDir;
  private final Path protoset;
  private final Path metadata;
  private final String target;
  private int files;

  /**
   * @param services the file descriptors of the services called (their imports are added)
   * @param headers sent with every call, e.g. {@code authorization: Bearer …}
   */
  public Ghz(Path workDir, String target, List<FileDescriptor> services, Map<String, String> headers) {
    this.binary = Tools.requireGoTool("ghz");
    this.workDir = workDir;
    this.target = target;
    this.protoset = workDir.resolve("ghz.protoset");
    this.metadata = workDir.resolve("ghz-metadata.json");
    try {
      Files.write(protoset, protoset(services).toByteArray());
      Files.writeString(metadata, JSON.writeValueAsString(headers), StandardCharsets.UTF_8);
      metadata.toFile().setReadable(false, false);
      metadata.toFile().setReadable(true, true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String version() {
    return Tools.version(List.of(Tools.requireGoTool("ghz"), "--version"));
  }

  /** The files and everything they import, dependencies first (as protoc writes a descriptor set). */
  static FileDescriptorSet protoset(List<FileDescriptor> files) {
    Set<FileDescriptor> ordered = new LinkedHashSet<>();
    files.forEach(f -> addWithImports(f, ordered));
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    ordered.forEach(f -> set.addFile(f.toProto()));
    return set.build();
  }

  private static void addWithImports(FileDescriptor file, Set<FileDescriptor> ordered) {
    if (ordered.contains(file)) {
      return;
    }
    file.getDependencies().forEach(d -> addWithImports(d, ordered));
    ordered.add(file);
  }

  /**
   * Calls {@code method} ("package.Service/Method") with {@code concurrency} in flight over
   * {@code connections} connections for {@code duration}; call {@code i} sends
   * {@code requests[i % size]}.
   */
  public Run run(String method, List<? extends Message> requests, int concurrency, int connections, Duration duration) {
    try {
      Path data = workDir.resolve("ghz-data-" + (++files) + ".json");
      Path report = workDir.resolve("ghz-report-" + files + ".json");
      Files.writeString(data, json(requests), StandardCharsets.UTF_8);
      List<String> command = new ArrayList<>(List.of(binary, "--insecure", "--protoset", protoset.toString(),
          "--call", method, "--data-file", data.toString(), "--metadata-file", metadata.toString(),
          "--concurrency", Integer.toString(concurrency), "--connections", Integer.toString(connections),
          "--duration", Math.max(1, duration.toMillis()) + "ms", "--timeout", "10s",
          "--format", "json", "--output", report.toString(), target));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("ghz failed on " + method + ": " + out);
      }
      Run run = parse(Files.readString(report, StandardCharsets.UTF_8));
      Files.deleteIfExists(data);
      Files.deleteIfExists(report);
      return run;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String json(List<? extends Message> requests) throws InvalidProtocolBufferException {
    // ghz builds messages from proto field names (account_id), not JSON names (accountId).
    JsonFormat.Printer printer = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    StringBuilder out = new StringBuilder("[");
    for (Message request : requests) {
      out.append(out.length() == 1 ? "" : ",\n").append(printer.print(request));
    }
    return out.append("]").toString();
  }

  /** ghz's {@code --format json} report, the parts the bench reads (durations in nanoseconds). */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Report(long count, long total, long slowest, Map<String, Long> statusCodeDistribution,
      Map<String, Long> errorDistribution, List<Latency> latencyDistribution) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Latency(int percentage, long latency) {}

  private static final Pattern CODE = Pattern.compile("code = (\\w+)");

  /**
   * What ghz does to the calls still in flight when its duration runs out: it cancels them and
   * closes its connections, and they end Canceled or Unavailable "transport is closing". Those are
   * the tool stopping, not answers of the server.
   */
  static boolean stoppedByGhz(String error) {
    return error.contains("code = Canceled") || error.contains("transport is closing")
        || error.contains("client connection is closing");
  }

  /**
   * A ghz JSON report as a run: operations are the calls answered OK; errors the others by gRPC
   * code (as grpc-java names it: DEADLINE_EXCEEDED), except those ghz stopped itself at the end of
   * its run. ghz reports no 99.9th percentile (0 here) and computes percentiles over OK calls only.
   */
  public static Run parse(String json) throws IOException {
    Report report = JSON.readValue(json, Report.class);
    Map<String, Long> statuses = report.statusCodeDistribution() == null ? Map.of() : report.statusCodeDistribution();
    long ok = statuses.getOrDefault("OK", 0L);
    Map<String, Long> errorKinds = new TreeMap<>();
    if (report.errorDistribution() != null && !report.errorDistribution().isEmpty()) {
      report.errorDistribution().forEach((error, n) -> {
        if (!stoppedByGhz(error)) {
          Matcher code = CODE.matcher(error);
          errorKinds.merge(code.find() ? grpcJavaName(code.group(1)) : error, n, Long::sum);
        }
      });
    } else {
      statuses.forEach((status, n) -> {
        if (!status.equals("OK") && !status.equals("Canceled")) {
          errorKinds.merge(grpcJavaName(status), n, Long::sum);
        }
      });
    }
    long errors = errorKinds.values().stream().mapToLong(Long::longValue).sum();
    return new Run(ok, report.total() / 1e9, errors, percentileMs(report, 50), percentileMs(report, 99), 0,
        report.slowest() / 1e6, errorKinds);
  }

  /** ghz names codes as Go does (DeadlineExceeded); the bench as grpc-java does (DEADLINE_EXCEEDED). */
  private static String grpcJavaName(String goName) {
    return goName.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
  }

  private static double percentileMs(Report report, int percentage) {
    if (report.latencyDistribution() == null) {
      return 0;
    }
    return report.latencyDistribution().stream().filter(l -> l.percentage() == percentage)
        .mapToDouble(l -> l.latency() / 1e6).findFirst().orElse(0);
  }
}
