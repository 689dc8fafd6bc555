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

  /**
   * Whether every replica an INFO replication output lists has acknowledged the primary's whole
   * replication stream (its offset is the primary's master_repl_offset).
   */
  static boolean replicasCaughtUp(String info) {
    long primary = field(info, "master_repl_offset");
    for (String line : info.split("\r?\n")) {
      if (line.matches("slave\\d+:.*")) {
        for (String part : line.substring(line.indexOf(':') + 1).split(",")) {
          if (part.startsWith("offset=") && Long.parseLong(part.substring("offset=".length())) < primary) {
            return false;
          }
        }
      }
    }
    return true;
  }

  /**
   * Waits (up to 10 s) until {@code replicationInfo} says the replicas caught up, then a moment more
   * for Redis' clientsCron (every 100 ms) to account the output buffers they no longer need.
   */
  static void awaitReplicas(java.util.function.Supplier<String> replicationInfo) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    try {
      while (!replicasCaughtUp(replicationInfo.get()) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(250);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * used_memory of one INFO memory output less the buffers that come and go with the traffic, not
   * with what is stored: clients' query and output buffers (replicas' included) and the AOF buffer.
   * A pipelined burst leaves a client's query buffer at its peak until Redis' clientsCron trims it.
   */
  static long storedMemory(String memoryInfo) {
    long buffers = 0;
    for (String name : new String[] {"mem_clients_normal", "mem_clients_slaves", "mem_aof_buffer"}) {
      buffers += field(memoryInfo, name);
    }
    return field(memoryInfo, "used_memory") - buffers;
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
