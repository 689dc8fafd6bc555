package io.kcid.bench.env;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** External programs the bench needs (Debian's wrk and nginx-light, ghz from tools/bin), and their versions. */
public final class Tools {
  private Tools() {}

  /** The program's path on PATH, or an error naming the Debian package to install. */
  public static String require(String program, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    for (String dir : List.of("/usr/sbin", "/usr/bin")) {
      Path candidate = Path.of(dir, program);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IllegalStateException(program + " not found: install Debian's " + debianPackage
        + " (apt-get install -y " + debianPackage + "; ./kcid bench and ./kcid test do it when run as root)");
  }

  /**
   * A tool that {@code tools/install-go-tools.sh} builds (ghz): from {@code $KCID_TOOLS_BIN} (which
   * {@code ./kcid bench} sets), the tools/bin of the checkout above the working directory, or PATH.
   */
  public static String requireGoTool(String name) {
    List<Path> candidates = new java.util.ArrayList<>();
    String bin = System.getenv("KCID_TOOLS_BIN");
    if (bin != null) {
      candidates.add(Path.of(bin, name));
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      candidates.add(dir.resolve("tools/bin").resolve(name));
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, name));
      }
    }
    return candidates.stream().filter(Files::isExecutable).findFirst().map(Path::toString)
        .orElseThrow(() -> new IllegalStateException(name + " not found: run tools/install-go-tools.sh " + name
            + " (./kcid bench does) or put it on PATH"));
  }

  /** First line of a command's standard output when it succeeds. */
  public static java.util.Optional<String> output(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return java.util.Optional.empty();
      }
      return out.lines().filter(l -> !l.isBlank()).findFirst().map(String::trim);
    } catch (IOException e) {
      return java.util.Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return java.util.Optional.empty();
    }
  }

  /** First line of a program's version output (stdout and stderr together), or "unknown". */
  public static String version(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return out.lines().filter(l -> !l.isBlank()).findFirst().orElse("unknown").trim();
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
