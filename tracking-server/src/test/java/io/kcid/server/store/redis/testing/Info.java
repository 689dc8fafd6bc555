package io.kcid.server.store.redis.testing;

/** Reads fields of Redis INFO output. */
public final class Info {
  private Info() {}

  /** used_cpu_user + used_cpu_sys of one INFO cpu output. */
  public static double cpuSeconds(String info) {
    return decimal(info, "used_cpu_user") + decimal(info, "used_cpu_sys");
  }

  private static double decimal(String info, String name) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return Double.parseDouble(line.substring(name.length() + 1).strip());
      }
    }
    throw new IllegalStateException("No " + name + " in INFO");
  }

  static long field(String info, String name) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return Long.parseLong(line.substring(name.length() + 1).strip());
      }
    }
    throw new IllegalStateException("No " + name + " in INFO");
  }
}
