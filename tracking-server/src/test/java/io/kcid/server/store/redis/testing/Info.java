package io.kcid.server.store.redis.testing;

/** Reads fields of Redis INFO output. */
final class Info {
  private Info() {}

  static long field(String info, String name) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).strip());
      }
    }
    throw new IllegalStateException("No " + name + " in INFO");
  }
}
