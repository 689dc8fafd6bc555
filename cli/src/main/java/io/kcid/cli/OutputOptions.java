package io.kcid.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** How a command prints (docs/clients.md, "Output for scripts"); mixed into every command that prints data. */
final class OutputOptions {
  /** The formats of {@code -o}. */
  enum Format { TABLE, JSON, CSV }

  /** What shell completion offers after -o. */
  static final class Formats extends ArrayList<String> {
    Formats() {
      super(List.of("table", "json", "csv"));
    }
  }

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", completionCandidates = Formats.class,
      description = "table (for people, the default), json (one documented shape per command, docs/cli-schemas) or csv.")
  String format;

  @Option(names = "--json", description = "Same as -o json.")
  boolean json;

  @Option(names = "--fields", split = ",", paramLabel = "KEY",
      description = "Only these keys (json) or columns (table, csv), comma-separated; nested keys with dots, e.g. request.kcid.")
  List<String> fields;

  @Option(names = {"-q", "--quiet"}, description = "Print only the ids of what was listed or created, one per line.")
  boolean quiet;

  Format format() {
    Format chosen = format == null ? Format.TABLE : parse(format);
    if (json && chosen != Format.JSON && format != null) {
      throw new CliException("--json and -o " + format + " disagree; pick one");
    }
    return json ? Format.JSON : chosen;
  }

  /** Whether the output is JSON: then nothing but the JSON goes to stdout. */
  boolean isJson() {
    return format() == Format.JSON;
  }

  /** Whether stdout carries data for a script (json, csv or ids), not lines for people. */
  boolean forScripts() {
    return quiet || format() != Format.TABLE;
  }

  private static Format parse(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "table" -> Format.TABLE;
      case "json" -> Format.JSON;
      case "csv" -> Format.CSV;
      default -> throw new CliException("-o " + text + ": expected table, json or csv");
    };
  }
}
