package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command's {@code --help} teaches: a one-line purpose, and examples that run — each example
 * is parsed through the real command model, so none can name a command or flag that does not exist.
 */
class CommandHelpTest {
  /** What picocli wraps footers at: an example line longer than this would be broken in two. */
  private static final int USAGE_WIDTH = 80;

  @Test
  void everyCommandHasAPurposeLineAndAnExample() {
    List<String> problems = new ArrayList<>();
    for (CommandLine command : allCommands()) {
      CommandSpec spec = command.getCommandSpec();
      String name = spec.qualifiedName();
      String[] description = spec.usageMessage().description();
      String[] header = spec.usageMessage().header();
      boolean purpose = (description.length > 0 && !description[0].isBlank()) || (header.length > 0 && !header[0].isBlank());
      if (!purpose) {
        problems.add(name + ": no purpose line (description or header)");
      }
      String usage = command.getUsageMessage(CommandLine.Help.Ansi.OFF);
      if (!usage.contains("Example:") && !usage.contains("Examples:")) {
        problems.add(name + ": no Example(s): section in --help");
      }
      if (examples(spec).isEmpty()) {
        problems.add(name + ": no example line starting with ./kcid");
      }
      for (String line : spec.usageMessage().footer()) {
        // Indented lines are commands: prose may wrap, a command must not.
        if (line.startsWith("  ") && line.length() > USAGE_WIDTH) {
          problems.add(name + ": footer line longer than " + USAGE_WIDTH + " (picocli would wrap it): " + line);
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  @Test
  void everyExampleParsesToItsOwnCommand() {
    int parsed = 0;
    for (CommandLine command : allCommands()) {
      CommandSpec spec = command.getCommandSpec();
      for (String example : examples(spec)) {
        List<String> args = arguments(example);
        CommandLine.ParseResult result;
        try {
          result = KcidCli.commandLine().parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
          fail(spec.qualifiedName() + ": example does not parse: " + example + "\n  " + e.getMessage());
          return;
        }
        CommandLine.ParseResult deepest = result;
        while (deepest.hasSubcommand()) {
          deepest = deepest.subcommand();
        }
        String reached = deepest.commandSpec().qualifiedName();
        assertThat(reached).as(example).startsWith(spec.qualifiedName());
        parsed++;
      }
    }
    assertThat(parsed).isGreaterThan(40);
  }

  @Test
  void theExamplesAreSplitLikeAShellWould() {
    assertThat(arguments("./kcid click-url --account acme --url 'https://x/?a=1&b=2' \\"))
        .containsExactly("click-url", "--account", "acme", "--url", "https://x/?a=1&b=2");
    assertThat(arguments("./kcid account create --name \"Acme Shoes\"   # a comment"))
        .containsExactly("account", "create", "--name", "Acme Shoes");
    assertThat(arguments("./kcid completion bash > ~/kcid.bash")).containsExactly("completion", "bash");
    assertThat(arguments("./kcid click \"$KCID\"")).containsExactly("click", "KCID-PLACEHOLDER");
  }

  /** Every command, the root first, then each subcommand depth-first. */
  static List<CommandLine> allCommands() {
    List<CommandLine> all = new ArrayList<>();
    collect(KcidCli.commandLine(), all);
    return all;
  }

  private static void collect(CommandLine command, List<CommandLine> all) {
    all.add(command);
    for (CommandLine sub : command.getSubcommands().values()) {
      if (!all.contains(sub)) {
        collect(sub, all);
      }
    }
  }

  /** The command lines in {@code spec}'s footer that run ./kcid, continuation lines joined. */
  static List<String> examples(CommandSpec spec) {
    List<String> examples = new ArrayList<>();
    StringBuilder pending = null;
    for (String raw : spec.usageMessage().footer()) {
      String line = raw.replace("%n", "").strip();
      if (pending != null) {
        pending.append(' ').append(line);
      } else if (line.startsWith("./kcid ") || line.equals("./kcid")) {
        pending = new StringBuilder(line);
      } else {
        continue;
      }
      if (pending.toString().endsWith("\\")) {
        pending.setLength(pending.length() - 1);
      } else {
        examples.add(pending.toString());
        pending = null;
      }
    }
    return examples;
  }

  /**
   * The arguments a shell would pass to {@code ./kcid} for {@code line}: quotes removed, {@code
   * $VARIABLE}s replaced by a placeholder, stopping at a comment, a redirection, a pipe or a ')'.
   */
  static List<String> arguments(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = null;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '$' && quote == '"') {
          i = variable(line, i, word);
        } else {
          word.append(c);
        }
        continue;
      }
      if (Character.isWhitespace(c) || c == '\\') {
        if (word != null) {
          words.add(word.toString());
          word = null;
        }
        continue;
      }
      if ("#>|;)<".indexOf(c) >= 0 && word == null) {
        break;
      }
      if (word == null) {
        word = new StringBuilder();
      }
      if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '$') {
        i = variable(line, i, word);
      } else {
        word.append(c);
      }
    }
    if (word != null) {
      words.add(word.toString());
    }
    assertThat(words.get(0)).isEqualTo("./kcid");
    return words.subList(1, words.size());
  }

  /** Appends the placeholder of the {@code $NAME} at {@code start}; returns the index of its last character. */
  private static int variable(String line, int start, StringBuilder word) {
    int end = start + 1;
    while (end < line.length() && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '_')) {
      end++;
    }
    word.append(line, start + 1, end).append("-PLACEHOLDER");
    return end - 1;
  }
}
