package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Keeps the README and docs/ true to the code: the reason table, every {@code ./kcid} command they
 * mention (it must exist, and every command must be documented), and the test command CI runs.
 */
class ReadmeTest {
  private static final Path ROOT = Path.of("..");
  /** Commands the {@code kcid} launcher script runs itself, not the kcid jar. */
  private static final Set<String> LAUNCHER_COMMANDS = Set.of("test", "build", "bench");

  /** README.md and every docs/*.md, each as path and text. */
  static List<Doc> docs() throws IOException {
    List<Doc> docs = new ArrayList<>();
    docs.add(new Doc(ROOT.resolve("README.md")));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
        docs.add(new Doc(file));
      }
    }
    return docs;
  }

  record Doc(Path path, String text) {
    Doc(Path path) throws IOException {
      this(path, Files.readString(path));
    }
  }

  @Test
  void everyReasonIsInTheReasonsTableWithItsStatuses() throws Exception {
    String reasons = Files.readString(ROOT.resolve("docs/reasons.md"));
    for (ErrorReason r : ErrorReason.values()) {
      if (r == ErrorReason.UNRECOGNIZED || r == ErrorReason.ERROR_REASON_UNSPECIFIED) {
        continue;
      }
      assertThat(reasons).as(r.name())
          .contains("| `" + ErrorReasons.shortName(r) + "` | " + r.getNumber() + " | " + ErrorReasons.httpStatus(r) + " | `"
              + ErrorReasons.grpcCode(r).name() + "` |");
    }
  }

  @Test
  void everyCommandIsDocumentedAndEveryDocumentedCommandExists() throws Exception {
    CommandLine cli = KcidCli.commandLine();
    String launcher = Files.readString(ROOT.resolve("kcid"));
    StringBuilder all = new StringBuilder();
    for (Doc doc : docs()) {
      all.append(doc.text());
      Matcher m = Pattern.compile("\\./kcid ([a-z-]+)").matcher(doc.text());
      while (m.find()) {
        String command = m.group(1);
        if (LAUNCHER_COMMANDS.contains(command)) {
          assertThat(launcher).as("%s mentions ./kcid %s, which the kcid script runs", ROOT.relativize(doc.path()), command)
              .contains("\n  " + command + ")\n");
        } else {
          assertThat(cli.getSubcommands()).as("%s mentions ./kcid %s", ROOT.relativize(doc.path()), command)
              .containsKey(command);
        }
      }
    }
    for (String command : cli.getSubcommands().keySet()) {
      if (!command.equals("help")) {
        assertThat(all.toString()).as("./kcid " + command + " is documented").contains("./kcid " + command);
      }
    }
  }

  @Test
  void ciRunsTheReadmeTestCommand() throws Exception {
    assertThat(Files.readString(ROOT.resolve("README.md"))).contains("./kcid test ");
    assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("./kcid test");
  }
}
