package io.kcid.server.store.redis.testing;

import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/** A running Redis deployment for tests: one node, a Sentinel group or a Cluster. */
public interface TestRedis extends AutoCloseable {
  /** The {@code KCID_REDIS_URL} a tracking-server uses for it. */
  String url();

  /** Routed commands on its data (to the current primary, or the owner of each key's slot). */
  RedisClusterCommands<String, String> commands();

  /** SCRIPT FLUSH on every node: what a restart or a failover does to the script caches. */
  void flushScripts();

  /** Whether the node that serves {@code key} has the script {@code sha} in its cache. */
  boolean scriptCached(String key, String sha);

  /**
   * The memory holding data, summed over the primaries, in bytes: {@code used_memory} less client
   * and AOF buffers ({@link Info#storedMemory}), read once replicas have acknowledged every write
   * and Redis has refreshed its figures of those buffers. Right after a burst of pipelined calls,
   * used_memory alone has measured megabytes above what is stored, on a loaded machine.
   */
  long storedMemory();

  /** CPU time (user + system) the primaries' redis-server processes used so far, in seconds. */
  double cpuSeconds();

  @Override
  void close();
}
