package io.kcid.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EdgeMainTest {

  @Test
  void invalidConfigurationExitsWith2AndSaysWhy() {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = new CommandLine(new EdgeMain()).execute("--port", "70000");
      assertThat(code).isEqualTo(2);
    } finally {
      System.setErr(original);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("port must be between 0 and 65535").contains("70000");
  }

  @Test
  void badTrustedProxyExitsWith2AndSaysWhich() {
    PrintStream original = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(new CommandLine(new EdgeMain()).execute("--trusted-proxies", "10.0.0.0/8, 300.1.1.1")).isEqualTo(2);
    } finally {
      System.setErr(original);
    }
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("trusted proxy").contains("'300.1.1.1'");
    assertThat(EdgeMain.splitList(" 10.0.0.0/8 ,, fd00::/8 ,")).containsExactly("10.0.0.0/8", "fd00::/8");
    assertThat(EdgeMain.splitList("")).isEmpty();
  }

  @Test
  void nonNumericFlagIsAUsageError() {
    CommandLine command = new CommandLine(new EdgeMain());
    command.setErr(new java.io.PrintWriter(new java.io.StringWriter()));
    assertThat(command.execute("--deadline-ms", "soon")).isEqualTo(2);
  }

  @Test
  void defaultsComeFromTheDocumentedValues() {
    // The fallbacks apply only when the environment does not set the variables.
    Assumptions.assumeTrue(
        System.getenv().keySet().stream().noneMatch(name -> name.startsWith("KCID_EDGE_") || name.equals("KCID_GRPC_ADDR")));
    EdgeMain main = new EdgeMain();
    new CommandLine(main).parseArgs();
    assertThat(main.port).isEqualTo(8080);
    assertThat(main.bind).isEqualTo("0.0.0.0");
    assertThat(main.grpcAddr).isEqualTo("localhost:9090");
    assertThat(main.deadlineMs).isEqualTo(1500);
    assertThat(main.maxBodyBytes).isEqualTo(65536);
    assertThat(main.trustedProxies).isEmpty();
  }
}
