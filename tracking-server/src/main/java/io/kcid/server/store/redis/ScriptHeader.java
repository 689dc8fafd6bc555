package io.kcid.server.store.redis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The names a Lua script's header gives its KEYS and ARGV, in order: every {@code -- KEYS:} and
 * {@code -- ARGV:} line of the file, comma-separated names, several lines adding up.
 */
record ScriptHeader(List<String> keys, List<String> argv) {
  private static final String KEYS = "-- KEYS:";
  private static final String ARGV = "-- ARGV:";

  static ScriptHeader parse(String script) {
    List<String> keys = new ArrayList<>();
    List<String> argv = new ArrayList<>();
    for (String line : script.split("\n")) {
      if (line.startsWith(KEYS)) {
        keys.addAll(names(line.substring(KEYS.length())));
      } else if (line.startsWith(ARGV)) {
        argv.addAll(names(line.substring(ARGV.length())));
      }
    }
    return new ScriptHeader(List.copyOf(keys), List.copyOf(argv));
  }

  /** What the contract's header must say. */
  static <P extends Enum<P> & ScriptParam> ScriptHeader of(Class<P> contract) {
    List<String> keys = new ArrayList<>();
    List<String> argv = new ArrayList<>();
    for (P param : contract.getEnumConstants()) {
      (param.slot().key ? keys : argv).add(param.headerName());
    }
    return new ScriptHeader(List.copyOf(keys), List.copyOf(argv));
  }

  private static List<String> names(String list) {
    return Arrays.stream(list.split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
  }

  @Override
  public String toString() {
    return "KEYS " + keys + ", ARGV " + argv;
  }
}
