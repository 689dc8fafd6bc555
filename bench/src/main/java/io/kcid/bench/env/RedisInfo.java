package io.kcid.bench.env;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** INFO of the bench's redis-server, on a connection of its own (never the one under load). */
public final class RedisInfo implements AutoCloseable {
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> sync;

  public RedisInfo(String url) {
    this.client = RedisClient.create(url);
    this.connection = client.connect();
    this.sync = connection.sync();
  }

  public Map<String, String> section(String name) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : sync.info(name).split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        values.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return values;
  }

  public long pid() {
    return Long.parseLong(section("server").get("process_id"));
  }

  public String version() {
    return section("server").get("redis_version");
  }

  public long usedMemory() {
    return Long.parseLong(section("memory").get("used_memory"));
  }

  /**
   * used_memory less the buffers that come and go with the traffic rather than with what is
   * stored: clients' query and output buffers, the AOF buffer and the replication backlog. Read
   * right after a burst of calls, used_memory alone can swing by megabytes with them. Redis
   * refreshes its figure of the clients' buffers in its clientsCron (every 100 ms with a few
   * clients), so read this a few hundred milliseconds after the buffers last changed.
   */
  public long storedMemory() {
    Map<String, String> memory = section("memory");
    long buffers = 0;
    for (String field : List.of("mem_clients_normal", "mem_clients_slaves", "mem_aof_buffer", "mem_replication_backlog")) {
      buffers += Long.parseLong(memory.getOrDefault(field, "0"));
    }
    return Long.parseLong(memory.get("used_memory")) - buffers;
  }

  /**
   * Whether an AOF rewrite is running or waiting to start. Meanwhile Redis 6.2 holds the writes
   * for the child in 10 MiB blocks (12 MiB allocations) that used_memory counts whole and
   * mem_aof_buffer only by what they hold, so a memory reading then is megabytes high (12.6 MB per
   * block, sampled); a million click inserts start several.
   */
  public boolean rewriting() {
    Map<String, String> persistence = section("persistence");
    return "1".equals(persistence.get("aof_rewrite_in_progress"))
        || "1".equals(persistence.get("aof_rewrite_scheduled"));
  }

  public long keys() {
    return sync.dbsize();
  }

  /** Calls so far per command ({@code evalsha → 1234}), from INFO commandstats. */
  public Map<String, Long> commandCalls() {
    Map<String, Long> calls = new TreeMap<>();
    for (Map.Entry<String, String> e : section("commandstats").entrySet()) {
      if (e.getKey().startsWith("cmdstat_")) {
        for (String part : e.getValue().split(",")) {
          if (part.startsWith("calls=")) {
            calls.put(e.getKey().substring("cmdstat_".length()), Long.parseLong(part.substring(6)));
          }
        }
      }
    }
    return calls;
  }

  /** Commands per operation between two {@link #commandCalls()} readings; the bench's own INFO calls left out. */
  public static Map<String, Double> perOp(Map<String, Long> before, Map<String, Long> after, long ops) {
    Map<String, Double> perOp = new TreeMap<>();
    if (ops <= 0) {
      return perOp;
    }
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long delta = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (delta > 0 && !e.getKey().equals("info")) {
        perOp.put(e.getKey(), Math.round(delta * 1000.0 / ops) / 1000.0);
      }
    }
    return perOp;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
