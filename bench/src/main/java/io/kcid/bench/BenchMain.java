package io.kcid.bench;

import picocli.CommandLine;

/**
 * Entry point of the bench jar ({@code bench/target/kcid-bench.jar}), which {@code ./kcid bench}
 * runs: the bench is a development tool, so it has its own jar and the production CLI does not
 * depend on it (the dependency is one-way: bench uses the server and the edge, nothing uses bench).
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) {
    // The bench jar has no logback.xml of its own: it logs like the processes it starts (WARN for
    // Lettuce, gRPC and Netty; their protocol loggers pinned off), unless told otherwise.
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "kcid-bench-logback.xml");
    }
    System.exit(new CommandLine(new BenchCommand()).setCommandName("kcid bench").execute(args));
  }
}
