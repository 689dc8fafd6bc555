package io.kcid.server.store.redis;

import java.util.Locale;

/**
 * One named slot of a Lua script's KEYS or ARGV. A script's contract is an enum of them in the
 * order the script reads them ({@link Scripts}); callers fill a {@link ScriptArgs} by name, so a
 * slot added to a script cannot silently shift the others.
 *
 * <p>Each script file states the same names in its header, one or more lines each:
 * {@code -- KEYS: a, b} and {@code -- ARGV: c, d...} (a trailing {@code ...} marks a repeated slot,
 * an empty list is written {@code -- ARGV:}). {@link LuaScript#load} refuses a script whose header
 * and contract differ.
 */
interface ScriptParam {
  /** Where a slot lives, and whether it takes exactly one value or zero or more. */
  enum Slot {
    KEY(true, false),
    KEYS(true, true),
    ARG(false, false),
    ARGS(false, true);

    final boolean key;
    final boolean repeated;

    Slot(boolean key, boolean repeated) {
      this.key = key;
      this.repeated = repeated;
    }
  }

  Slot slot();

  /** The enum constant's name. */
  String name();

  /** The name the script header uses: the constant's name in lower case, "..." when repeated. */
  default String headerName() {
    return name().toLowerCase(Locale.ROOT) + (slot().repeated ? "..." : "");
  }
}
