package io.kcid.bench.env;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A component of the bench running as its own OS process (tracking-server, edge, nginx), so its
 * CPU time is its own. Output goes to a log file in the bench's work directory.
 */
public final class ChildProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  public static ChildProcess start(String name, List<String> command, Map<String, String> env, Path workDir) {
    Path log = workDir.resolve(name + ".log");
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    // Only what the bench sets: a KCID_* variable of the calling shell must not change the setup.
    builder.environment().keySet().removeIf(k -> k.startsWith("KCID_"));
    builder.environment().putAll(env);
    try {
      return new ChildProcess(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + ": " + command.get(0), e);
    }
  }

  /** {@code java <jvm options> -cp <this JVM's class path> <main class>}: a kcid component of this build. */
  public static ChildProcess startJava(
      String name, List<String> jvmOptions, String mainClass, List<String> args, Map<String, String> env, Path workDir) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-Dlogback.configurationFile=kcid-bench-logback.xml");
    command.add("-cp");
    // Absolute entries: the child runs in workDir, where `java -jar cli/target/kcid.jar` resolves nothing.
    command.add(java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
    command.add(mainClass);
    command.addAll(args);
    return start(name, command, env, workDir);
  }

  public String name() {
    return name;
  }

  public ProcessHandle handle() {
    return process.toHandle();
  }

  public Path log() {
    return log;
  }

  /** CPU seconds of the process and its children so far. */
  public double cpuSeconds() {
    return ProcStat.treeCpuSeconds(process.pid());
  }

  public void awaitListening(int port, Duration timeout) {
    FreePorts.awaitListening(port, timeout, process.toHandle(), name + " (log: " + log + ")");
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
