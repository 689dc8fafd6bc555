package io.kcid.server.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the command-line tools written by other people that tests drive kcid with (grpcurl, ghz,
 * grpc-health-probe, promtool). {@code tools/install-go-tools.sh} builds them into {@code
 * tools/bin}; {@code ./kcid test} runs it first. A missing tool fails the test with what to run:
 * a test that quietly skipped when its tool is absent would prove nothing in CI.
 */
public final class ExternalTools {
  private ExternalTools() {}

  /** The executable {@code name}: from {@code $KCID_TOOLS_BIN}, the checkout's tools/bin, or PATH. */
  public static Path require(String name) {
    String override = System.getenv("KCID_TOOLS_BIN");
    if (override != null && Files.isExecutable(Path.of(override, name))) {
      return Path.of(override, name);
    }
    Path root = repositoryRoot();
    if (root != null && Files.isExecutable(root.resolve("tools/bin").resolve(name))) {
      return root.resolve("tools/bin").resolve(name);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
        return Path.of(dir, name);
      }
    }
    throw new AssertionError(
        name + " is not installed: run tools/install-go-tools.sh (./kcid test does) or put it on PATH");
  }

  /** The checkout's root: the nearest directory above the working directory holding tools/. */
  public static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("tools/install-go-tools.sh"))) {
        return dir;
      }
    }
    return null;
  }
}
