package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Keeps the README true to the code: its reason table, its commands, its test command. */
class ReadmeTest {
  private static String readme() throws Exception {
    return Files.readString(Path.of("..", "README.md"));
  }

  @Test
  void everyReasonIsInTheReadmeTableWithItsStatuses() throws Exception {
    String readme = readme();
    for (ErrorReason r : ErrorReason.values()) {
      if (r == ErrorReason.UNRECOGNIZED || r == ErrorReason.ERROR_REASON_UNSPECIFIED) {
        continue;
      }
      assertThat(readme).as(r.name())
          .contains("| `" + ErrorReasons.shortName(r) + "` | " + ErrorReasons.httpStatus(r) + " | `"
              + ErrorReasons.grpcCode(r).name() + "` |");
    }
  }

  @Test
  void everyCommandInTheReadmeExists() throws Exception {
    String readme = readme();
    CommandLine cli = KcidCli.commandLine();
    for (String command : cli.getSubcommands().keySet()) {
      if (!command.equals("help")) {
        assertThat(readme).as(command).contains("./kcid " + command);
      }
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\./kcid ([a-z-]+)").matcher(readme);
    while (m.find()) {
      // `test` and `build` are handled by the ./kcid script itself, not by the jar.
      if (!java.util.Set.of("test", "build").contains(m.group(1))) {
        assertThat(cli.getSubcommands()).as("README mentions ./kcid " + m.group(1)).containsKey(m.group(1));
      }
    }
  }

  @Test
  void ciRunsTheReadmeTestCommand() throws Exception {
    assertThat(readme()).contains("./kcid test ");
    assertThat(Files.readString(Path.of("..", ".ci", "run"))).contains("./kcid test");
  }
}
