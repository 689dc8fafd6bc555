package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.server.store.redis.Scripts.ReadStats;
import io.kcid.server.store.redis.Scripts.RecordConversion;
import io.kcid.server.store.redis.Scripts.StreamTail;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Lua script names its KEYS and ARGV in a header that matches its Java contract
 * ({@link Scripts}), every script file has a contract and every contract a file; calls are laid out
 * by name.
 */
class LuaScriptContractsTest {
  private static final Path LUA = Path.of("src/main/resources/lua");

  private static List<String> scriptFiles() throws IOException {
    try (Stream<Path> files = Files.list(LUA)) {
      return files.map(f -> f.getFileName().toString())
          .filter(f -> f.endsWith(".lua") && !f.startsWith("lib_"))
          .sorted()
          .toList();
    }
  }

  @Test
  void everyScriptFileHasExactlyOneContractAndEveryContractAFile() throws IOException {
    assertThat(Scripts.ALL.stream().map(Scripts.Script::file).sorted().toList())
        .containsExactlyElementsOf(scriptFiles());
  }

  @Test
  void everyScriptHeaderNamesItsContractsKeysAndArgvInOrder() throws IOException {
    for (Scripts.Script<?> script : Scripts.ALL) {
      String source = Files.readString(LUA.resolve(script.file()), StandardCharsets.UTF_8);
      ScriptHeader header = ScriptHeader.parse(source);
      assertThat(header).as(script.file()).isEqualTo(ScriptHeader.of(script.contract()));
      assertThat(header.keys()).as(script.file() + " KEYS").isNotEmpty();
      assertThat(source).as(script.file()).contains("-- ARGV:");
    }
  }

  @Test
  void librariesAreNotScripts() throws IOException {
    for (Scripts.Script<?> script : Scripts.ALL) {
      for (String library : script.libraries()) {
        assertThat(library).startsWith("lib_");
        assertThat(ScriptHeader.parse(new String(LuaScript.resource(library), StandardCharsets.UTF_8)))
            .as(library).isEqualTo(new ScriptHeader(List.of(), List.of()));
      }
    }
  }

  @Test
  void everyScriptLoads() {
    Scripts.ALL.forEach(LuaScript::load);
  }

  @Test
  void aHeaderThatDiffersFromItsContractIsFound() {
    ScriptHeader swapped = ScriptHeader.parse("-- KEYS: stream_sequence, stream\n-- ARGV:\nreturn 1\n");
    assertThat(swapped).isNotEqualTo(ScriptHeader.of(StreamTail.class));
    assertThat(ScriptHeader.parse("-- KEYS: stream,\n-- KEYS: stream_sequence\n-- ARGV:\n"))
        .isEqualTo(ScriptHeader.of(StreamTail.class));
  }

  @Test
  void argumentsAreLaidOutInContractOrderWhateverTheOrderTheyAreSetIn() {
    ScriptArgs<ReadStats> call = ScriptArgs.of(ReadStats.class)
        .set(ReadStats.GOAL_FILTER, "=g")
        .set(ReadStats.DIMENSIONS, "101")
        .set(ReadStats.DETAIL_FILTER, "^c")
        .set(ReadStats.CAMPAIGN_FILTER, "")
        .add(ReadStats.PERIOD, "0")
        .add(ReadStats.STATS, "h1".getBytes(StandardCharsets.UTF_8))
        .add(ReadStats.PERIOD, "1")
        .add(ReadStats.STATS, "h2".getBytes(StandardCharsets.UTF_8));
    assertThat(Stream.of(call.keys()).map(String::new)).containsExactly("h1", "h2");
    assertThat(Stream.of(call.argv()).map(String::new)).containsExactly("0", "1", "101", "", "^c", "=g");
  }

  @Test
  void aCallWithASlotLeftEmptyOrSetTwiceIsRefused() {
    ScriptArgs<RecordConversion> call = ScriptArgs.of(RecordConversion.class).set(RecordConversion.GOAL_KEY, "g");
    assertThatThrownBy(call::argv).hasMessageContaining("ACCOUNT_ID");
    assertThatThrownBy(() -> call.set(RecordConversion.GOAL_KEY, "h")).hasMessageContaining("twice");
    assertThatThrownBy(() -> ScriptArgs.of(ReadStats.class).set(ReadStats.STATS, "k"))
        .hasMessageContaining("repeated");
  }
}
