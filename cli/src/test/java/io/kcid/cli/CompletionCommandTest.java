package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./kcid completion bash|zsh}: the script names every command, and real bash completes with it. */
class CompletionCommandTest {
  @TempDir Path dir;

  record Run(int exit, String out) {}

  private static Run kcid(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = KcidCli.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));
    int exit = cli.execute(args);
    return new Run(exit, out.toString());
  }

  @Test
  void theScriptNamesEveryCommandAndServesBothShells() {
    Run bash = kcid("completion", "bash");
    assertThat(bash.exit()).isZero();
    assertThat(bash.out()).isNotBlank().contains("complete -F _complete_kcid", "bashcompinit");
    for (CommandLine command : CommandHelpTest.allCommands()) {
      assertThat(bash.out()).as(command.getCommandSpec().qualifiedName()).contains(command.getCommandName());
    }
    assertThat(kcid("completion", "zsh").out()).isEqualTo(bash.out());
    assertThat(kcid("completion", "fish").exit()).isEqualTo(2);
  }

  @Test
  void bashCompletesCommandsSubcommandsAndFlags() throws Exception {
    Path script = dir.resolve("kcid.bash");
    Files.writeString(script, kcid("completion", "bash").out());
    assertThat(complete(script, "kcid", "acc")).contains("account");
    assertThat(complete(script, "kcid", "account", "rot")).containsExactly("rotate-secret");
    assertThat(complete(script, "kcid", "postbacks", "--acc")).contains("--account");
    assertThat(complete(script, "kcid", "goal", "create", "--win")).contains("--window");
    assertThat(complete(script, "kcid", "doc")).containsExactly("doctor");
    assertThat(complete(script, "kcid", "completion", "")).contains("bash", "zsh");
  }

  /** COMPREPLY after bash runs the completion function for {@code words}, the cursor on the last one. */
  private static List<String> complete(Path script, String... words) throws IOException, InterruptedException {
    StringBuilder array = new StringBuilder();
    for (String word : words) {
      array.append(" '").append(word).append('\'');
    }
    String line = String.join(" ", words);
    String shell = "source '" + script + "'\n"
        + "COMP_WORDS=(" + array + ")\n"
        + "COMP_CWORD=" + (words.length - 1) + "\n"
        + "COMP_LINE='" + line + "'\n"
        + "COMP_POINT=" + line.length() + "\n"
        + "_complete_kcid kcid '" + words[words.length - 1] + "' '" + words[words.length - 2] + "' 2>/dev/null\n"
        + "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
    Process bash = new ProcessBuilder("bash", "-c", shell).redirectErrorStream(false).start();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
