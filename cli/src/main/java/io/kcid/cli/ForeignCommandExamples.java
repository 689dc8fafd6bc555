package io.kcid.cli;

import java.util.Map;
import picocli.CommandLine;

/**
 * The help examples of the commands the CLI takes from other modules ({@code server}, {@code edge})
 * and from picocli ({@code help}): their annotations live elsewhere, so their footers are set here,
 * where every other command's examples are written in the CLI's words.
 */
final class ForeignCommandExamples {
  private static final Map<String, String[]> EXAMPLES = Map.of(
      "server", new String[] {
          "%nExamples:",
          "  ./kcid server --redis-url redis://redis.internal:6379/0 \\",
          "      --mac-keys \"$KCID_MAC_KEYS\"",
          "  ./kcid server --port 9090 --mac-keys \"$KCID_MAC_KEYS\" \\",
          "      --redis-url 'redis-sentinel://sentinel-1:26379,sentinel-2:26379/0#kcid'",
          "Every flag has a KCID_* environment variable (see docs/configuration.md)."},
      "edge", new String[] {
          "%nExamples:",
          "  ./kcid edge --port 8080 --grpc-addr localhost:9090",
          "  ./kcid edge --grpc-addr tracking.internal:9090 --spool-dir off",
          "Every flag has a KCID_EDGE_* environment variable (see docs/configuration.md)."},
      "help", new String[] {
          "%nExamples:",
          "  ./kcid help account",
          "  ./kcid help doctor"});

  private ForeignCommandExamples() {}

  static void addTo(CommandLine cli) {
    EXAMPLES.forEach((name, footer) -> {
      CommandLine command = cli.getSubcommands().get(name);
      if (command != null && command.getCommandSpec().usageMessage().footer().length == 0) {
        command.getCommandSpec().usageMessage().footer(footer);
      }
    });
  }
}
