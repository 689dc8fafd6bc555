package io.kcid.cli;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Generates the reference parts of docs/configuration.md (every option of {@code kcid server},
 * {@code edge}, {@code up} and the client commands, from picocli's model) and docs/reasons.md (the
 * ErrorReason enum with its statuses and proto comments), so that they cannot drift from the code.
 * Each file keeps hand-written text outside its generated region; {@link GeneratedDocsTest} fails
 * when a region differs, and {@code main} (or the test with {@code -Dkcid.docs.write=true})
 * rewrites them.
 */
final class ReferenceDocs {
  /** What the failure message and the files themselves tell a reader to run. */
  static final String REGENERATE =
      "./mvnw -o -B -q -pl cli -am test -Dtest=GeneratedDocsTest -Dsurefire.failIfNoSpecifiedTests=false -Dkcid.docs.write=true";
  static final String BEGIN = "<!-- BEGIN GENERATED from the code; do not edit: regenerate with " + REGENERATE + " -->";
  static final String END = "<!-- END GENERATED -->";

  private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Z0-9_]+)(?::-(.*))?}");
  private static final Pattern SECTION = Pattern.compile("^\\s*// --- (.+) ---\\s*$");
  private static final Pattern VALUE = Pattern.compile("^\\s*(ERROR_REASON_[A-Z0-9_]+) = (\\d+) \\[\\s*$");
  private static final String PROTO = "kcid/tracking/v1/error_reason.proto";
  /** The commands that run kcid, in this order; every other command is a client of it. */
  private static final List<String> PROCESSES = List.of("server", "edge", "up");

  private ReferenceDocs() {}

  /** A generated file: where it lives (from the repository root) and its generated region. */
  record Generated(Path file, String region) {}

  /** Every generated region, against the repository root {@code root}. */
  static List<Generated> all(Path root) throws IOException {
    return List.of(
        new Generated(root.resolve("docs/configuration.md"), configuration()),
        new Generated(root.resolve("docs/reasons.md"), reasons()));
  }

  /** The region between {@link #BEGIN} and {@link #END}, without them; null when the markers are missing. */
  static String regionOf(String text) {
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    return begin < 0 || end < begin ? null : text.substring(begin + BEGIN.length(), end).strip();
  }

  /** {@code text} with its region replaced by {@code region}. */
  static String withRegion(String text, String region) {
    int begin = text.indexOf(BEGIN);
    int end = text.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException("no " + BEGIN + " … " + END + " markers");
    }
    return text.substring(0, begin + BEGIN.length()) + "\n\n" + region + "\n\n" + text.substring(end);
  }

  // --- configuration.md ---

  static String configuration() {
    CommandLine cli = KcidCli.commandLine();
    // Raw annotation values: "${env:KCID_GRPC_PORT:-9090}", not whatever this machine's environment says.
    cli.setInterpolateVariables(false);
    StringBuilder out = new StringBuilder();
    for (String name : PROCESSES) {
      CommandSpec spec = cli.getSubcommands().get(name).getCommandSpec();
      out.append("### `./kcid ").append(name).append("`\n\n").append(cell(String.join(" ", spec.usageMessage().description())))
          .append("\n\n| variable | flag | default | meaning |\n|---|---|---|---|\n");
      for (OptionSpec option : spec.options()) {
        if (!option.usageHelp() && !option.versionHelp()) {
          out.append(row(option)).append('\n');
        }
      }
      out.append('\n');
    }
    out.append("### The client commands\n\n"
        + "Options read from the environment by the commands that talk to a running kcid.\n\n"
        + "| variable | flag | default | meaning | commands |\n|---|---|---|---|---|\n");
    List<String> clients = new ArrayList<>();
    Map<String, List<String>> commandsByRow = new LinkedHashMap<>();
    for (CommandLine sub : cli.getSubcommands().values()) {
      collectClientOptions(sub, clients, commandsByRow);
    }
    // A row ends with "|": the commands column follows it.
    new TreeMap<>(commandsByRow).forEach((row, commands) -> out.append(row).append(" ").append(commands(commands, clients)).append(" |\n"));
    return out.toString().strip();
  }

  private static void collectClientOptions(CommandLine command, List<String> clients, Map<String, List<String>> commandsByRow) {
    CommandSpec spec = command.getCommandSpec();
    String path = spec.qualifiedName(" ").replaceFirst("^kcid ", "");
    // help and completion describe the CLI itself and talk to nothing.
    if (PROCESSES.contains(path) || path.equals("help") || path.equals("completion")) {
      return;
    }
    if (!command.getSubcommands().isEmpty()) {
      command.getSubcommands().values().stream().filter(sub -> !sub.getCommandName().equals("help"))
          .forEach(sub -> collectClientOptions(sub, clients, commandsByRow));
      return;
    }
    clients.add(path);
    for (OptionSpec option : spec.options()) {
      if (option.defaultValue() != null && ENV_DEFAULT.matcher(option.defaultValue()).find()) {
        commandsByRow.computeIfAbsent(row(option), r -> new ArrayList<>()).add(path);
      }
    }
  }

  private static String commands(List<String> having, List<String> clients) {
    List<String> without = clients.stream().filter(c -> !having.contains(c)).toList();
    if (without.isEmpty()) {
      return "every client command";
    }
    if (without.size() < having.size()) {
      return "every client command but " + quoted(without);
    }
    return quoted(having);
  }

  private static String quoted(List<String> commands) {
    return String.join(", ", commands.stream().map(c -> "`" + c + "`").toList());
  }

  private static String row(OptionSpec option) {
    String raw = option.defaultValue();
    String env = "—";
    String fallback = raw;
    Matcher m = raw == null ? null : ENV_DEFAULT.matcher(raw);
    if (m != null && m.matches()) {
      env = "`" + m.group(1) + "`";
      fallback = m.group(2);
    }
    String shown = fallback == null || fallback.isEmpty() ? "—" : "`" + fallback + "`";
    String description = String.join(" ", option.description())
        .replace("${DEFAULT-VALUE}", fallback == null || fallback.isEmpty() ? "none" : fallback)
        .replace("${COMPLETION-CANDIDATES}", option.completionCandidates() == null ? ""
            : String.join(", ", (Iterable<String>) option.completionCandidates()));
    return "| " + env + " | `" + String.join("`, `", option.names()) + "` | " + shown + " | " + cell(description) + " |";
  }

  /** Text fit for one Markdown table cell. */
  private static String cell(String text) {
    return text.replace("\n", " ").replace("|", "\\|").strip();
  }

  // --- reasons.md ---

  /** One ErrorReason value as the proto file declares it. */
  record Reason(String section, ErrorReason reason, int number, String comment) {}

  static String reasons() throws IOException {
    StringBuilder out = new StringBuilder();
    String section = null;
    for (Reason r : parseProto()) {
      if (!Objects.equals(section, r.section())) {
        section = r.section();
        out.append("\n### ").append(section).append("\n\n| reason | number | HTTP | gRPC | meaning |\n|---|---|---|---|---|\n");
      }
      out.append("| `").append(ErrorReasons.shortName(r.reason())).append("` | ").append(r.number()).append(" | ")
          .append(ErrorReasons.httpStatus(r.reason())).append(" | `").append(ErrorReasons.grpcCode(r.reason()).name())
          .append("` | ").append(cell(r.comment())).append(" |\n");
    }
    return out.toString().strip();
  }

  /** Every value but UNSPECIFIED, in the proto file's order, with its section and comment (the descriptors carry no comments). */
  static List<Reason> parseProto() throws IOException {
    String proto;
    try (InputStream in = ReferenceDocs.class.getClassLoader().getResourceAsStream(PROTO)) {
      if (in == null) {
        throw new IllegalStateException(PROTO + " is not on the class path (the kcid-proto jar ships it)");
      }
      proto = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<Reason> reasons = new ArrayList<>();
    String section = "Unsorted";
    StringBuilder comment = new StringBuilder();
    for (String line : proto.split("\n")) {
      Matcher s = SECTION.matcher(line);
      Matcher v = VALUE.matcher(line);
      if (s.matches()) {
        section = s.group(1);
        comment.setLength(0);
      } else if (line.strip().startsWith("//")) {
        comment.append(comment.length() == 0 ? "" : " ").append(line.strip().substring(2).strip());
      } else if (v.matches()) {
        ErrorReason reason = ErrorReason.valueOf(v.group(1));
        if (reason != ErrorReason.ERROR_REASON_UNSPECIFIED) {
          reasons.add(new Reason(section, reason, Integer.parseInt(v.group(2)), comment.toString()));
        }
        comment.setLength(0);
      } else {
        comment.setLength(0);
      }
    }
    return reasons;
  }

  /** Rewrites the generated regions; run from the cli module (as Maven's tests do) or pass the repository root. */
  public static void main(String[] args) throws IOException {
    Path root = args.length > 0 ? Path.of(args[0]) : Path.of("..");
    for (Generated g : all(root)) {
      String text = Files.readString(g.file(), StandardCharsets.UTF_8);
      Files.writeString(g.file(), withRegion(text, g.region()), StandardCharsets.UTF_8);
      System.out.println("wrote " + g.file().normalize());
    }
  }
}
