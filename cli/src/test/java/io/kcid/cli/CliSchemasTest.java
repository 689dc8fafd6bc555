package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/cli-schemas holds exactly the schemas {@link CliSchemas} generates today, one per command
 * that prints data. With {@code -Dkcid.docs.write=true} the test rewrites them instead of failing.
 * A change that removes or retypes a key breaks scripts: it needs a new version (v2 files beside
 * the v1 ones), not a rewrite.
 */
class CliSchemasTest {
  private static final String REGENERATE = "./mvnw -o -B -q -pl cli -am test -Dtest=CliSchemasTest"
      + " -Dsurefire.failIfNoSpecifiedTests=false -Dkcid.docs.write=true";

  @Test
  void committedSchemasAreUpToDate() throws Exception {
    boolean write = Boolean.getBoolean("kcid.docs.write");
    Map<String, ObjectNode> schemas = CliSchemas.all();
    if (write) {
      Files.createDirectories(CliSchemas.DIR);
    }
    for (var e : schemas.entrySet()) {
      Path file = CliSchemas.DIR.resolve(CliSchemas.fileName(e.getKey()));
      String text = CliSchemas.text(e.getValue());
      if (write) {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        continue;
      }
      assertThat(file).as("%s is missing: run %s", file, REGENERATE).exists();
      assertThat(Files.readString(file, StandardCharsets.UTF_8)).as("%s is out of date: run %s", file, REGENERATE)
          .isEqualTo(text);
    }
    try (Stream<Path> files = Files.list(CliSchemas.DIR)) {
      Set<String> expected = new TreeSet<>(schemas.keySet().stream().map(CliSchemas::fileName).toList());
      Set<String> present = new TreeSet<>(files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith("." + CliSchemas.VERSION + ".schema.json")).toList());
      assertThat(present).as("schemas of commands that no longer exist").isEqualTo(expected);
    }
  }

  @Test
  void everyCommandThatPrintsDataHasASchema() {
    Set<String> printing = new TreeSet<>();
    collect(KcidCli.commandLine(), printing);
    assertThat(printing).isEqualTo(new TreeSet<>(CliSchemas.all().keySet()));
  }

  /** Commands with -o (the OutputOptions mixin), by their path without "kcid", joined with '-'. */
  private static void collect(CommandLine command, Set<String> printing) {
    if (command.getCommandSpec().findOption("-o") != null) {
      printing.add(command.getCommandSpec().qualifiedName("-").replaceFirst("^kcid-", ""));
    }
    command.getSubcommands().values().stream().distinct().forEach(sub -> collect(sub, printing));
  }
}
